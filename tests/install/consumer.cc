// Uses the installed library: two copies of a text must cluster, and the
// installed version header must name the version find_package found.
#include <cstdio>
#include <cstring>

#include "mimeo/engine.h"
#include "mimeo/version.h"

int main() {
  if (std::strcmp(MIMEO_VERSION_STRING, MIMEO_PACKAGE_VERSION) != 0) {
    std::printf("consumer: version.h says %s, the package %s\n",
                MIMEO_VERSION_STRING, MIMEO_PACKAGE_VERSION);
    return 1;
  }
  auto engine = mimeo::Engine::Create({});
  if (!engine.ok()) return 1;
  const char* text = "the white house said saturday it does not expect a deal";
  if (!(*engine)->Add({"a", text}).ok()) return 1;
  if (!(*engine)->Add({"b", text}).ok()) return 1;
  auto clusters = (*engine)->Cluster();
  if (!clusters.ok() || clusters->clusters.size() != 1) return 1;
  std::printf("consumer: %zu cluster\n", clusters->clusters.size());
  return 0;
}
