// Uses the installed library: two copies of a text must cluster.
#include <cstdio>

#include "mimeo/engine.h"

int main() {
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
