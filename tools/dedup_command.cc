// `mimeo dedup`: one keep-or-drop decision per document, from the
// near-duplicate clusters, and optionally the kept documents themselves,
// as the dedup steps of datatrove and text-dedup end.
#include <sys/stat.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "byte_sink.h"
#include "command.h"
#include "commands.h"
#include "json_writer.h"
#include "mimeo/dedup.h"

namespace mimeo::cli {
namespace {

struct DedupArgs {
  CommonArgs common;
  std::vector<std::string> paths;
  std::string kept;  // --kept FILE
  bool estimate = false;
};

// The decisions, one row per document in input order: JSONL
// {"id", "keep", "cluster", "duplicate_of"} or the same CSV columns.
absl::Status WriteDecisions(const std::vector<DedupDecision>& decisions,
                            const std::vector<std::string>& ids,
                            const std::string& format, Phase& phase,
                            std::FILE* out) {
  if (format == "csv") {
    absl::FPrintF(out, "id,keep,cluster,duplicate_of\n");
  }
  JsonWriter w;
  for (DocId d = 0; d < decisions.size(); ++d) {
    const DedupDecision& x = decisions[d];
    if (format == "csv") {
      absl::FPrintF(out, "%s,%s,%s,%s\n", CsvField(ids[d]),
                    x.keep ? "true" : "false",
                    x.cluster ? absl::StrCat(*x.cluster) : "",
                    x.keep ? "" : CsvField(ids[x.kept]));
    } else {
      w.Clear();
      w.BeginObject();
      w.Key("id");
      w.String(ids[d]);
      w.Key("keep");
      w.Bool(x.keep);
      w.Key("cluster");
      if (x.cluster) {
        w.Uint(*x.cluster);
      } else {
        w.Null();
      }
      w.Key("duplicate_of");
      if (x.keep) {
        w.Null();
      } else {
        w.String(ids[x.kept]);
      }
      w.EndObject();
      std::fwrite(w.str().data(), 1, w.str().size(), out);
      std::fputc('\n', out);
    }
    phase.Advance();
  }
  return absl::OkStatus();
}

// Reads the input a second time and writes the documents kept: a JSONL
// document's line as it came, any other as {"id", "text"}. The input must
// give the same documents in the same order as the first time.
absl::Status WriteKept(const DedupArgs& args,
                       const std::vector<DedupDecision>& decisions,
                       const std::vector<std::string>& ids,
                       const std::vector<uint64_t>& lengths, Phase& phase,
                       std::FILE* file, const std::string& path) {
  InputOptions options = args.common.input;
  options.keep_lines = true;
  options.remember_texts = false;
  options.quiet = true;  // its warnings were given the first time
  absl::StatusOr<std::unique_ptr<InputReader>> reader =
      InputReader::Open(args.paths, options);
  if (!reader.ok()) return reader.status();
  std::unique_ptr<ByteSink> sink = OpenByteSink(file, EncodingForName(path));
  std::vector<Document> batch;
  JsonWriter w;
  size_t n = 0;
  const auto changed = [&](const std::string& what) {
    return absl::DataLossError(absl::StrFormat(
        "the input changed while it was read: %s; the kept documents are "
        "not written",
        what));
  };
  while (true) {
    absl::StatusOr<bool> more = (*reader)->Next(batch, uint64_t{2} << 20);
    if (!more.ok()) return more.status();
    const std::vector<std::string>& lines = (*reader)->lines();
    for (size_t i = 0; i < batch.size(); ++i, ++n) {
      const Document& doc = batch[i];
      if (n >= ids.size()) {
        return changed(absl::StrFormat("'%s' is new", doc.id));
      }
      if (doc.id != ids[n] || doc.text.size() != lengths[n]) {
        return changed(absl::StrFormat(
            "document %d was '%s' (%d bytes), is "
            "'%s' (%d bytes)",
            n + 1, ids[n], lengths[n], doc.id, doc.text.size()));
      }
      phase.Advance();
      if (!decisions[n].keep) continue;
      absl::Status s;
      if (!lines[i].empty()) {
        s = sink->Write(lines[i]);
      } else {
        w.Clear();
        w.BeginObject();
        w.Key("id");
        w.String(doc.id);
        w.Key("text");
        w.String(doc.text);
        w.EndObject();
        s = sink->Write(w.str());
      }
      if (s.ok()) s = sink->Write("\n");
      if (!s.ok()) return s;
    }
    if (!*more) break;
  }
  if (n != ids.size()) {
    return changed(
        absl::StrFormat("%d documents the first time, %d now", ids.size(), n));
  }
  return sink->Finish();
}

int Run(DedupArgs& args) {
  const auto start = std::chrono::steady_clock::now();
  CommonArgs& common = args.common;
  FinishEngineOptions(common);
  if (common.format.empty()) common.format = "jsonl";
  // Near-duplicates only: no passages, no texts kept or read again.
  common.engine.copy.enabled = false;
  common.engine.index_on_add = false;
  common.engine.keep_shingle_sets = !args.estimate;
  common.input.remember_texts = false;
  if (!args.kept.empty()) {
    for (const std::string& p : args.paths) {
      if (p == "-") {
        return UsageExit(
            "--kept reads the input twice, which standard input cannot "
            "be: save it to a file first");
      }
      // A pipe or FIFO (`<(zcat dump.gz)`) would be waited on for a
      // second writer; a folder's walk passes such entries by.
      struct stat st;
      if (::stat(p.c_str(), &st) == 0 && !S_ISREG(st.st_mode) &&
          !S_ISDIR(st.st_mode)) {
        return UsageExit(absl::StrFormat(
            "--kept reads the input twice, which '%s' (a pipe, FIFO or "
            "device) cannot be: save it to a file first",
            p));
      }
    }
  }
  auto reader = InputReader::Open(args.paths, common.input);
  if (!reader.ok()) return StatusExit(reader.status());
  common.reads = args.paths;
  absl::StatusOr<Output> output = Output::Open(common);
  if (!output.ok()) return StatusExit(output.status());
  std::optional<Output> kept_output;
  if (!args.kept.empty()) {
    absl::StatusOr<Output> k =
        Output::OpenFile(args.kept, "--kept", common);
    if (!k.ok()) return StatusExit(k.status());
    kept_output.emplace(std::move(*k));
  }
  auto engine_or = Engine::Create(common.engine);
  if (!engine_or.ok()) return StatusExit(engine_or.status());
  Engine& engine = **engine_or;
  std::vector<uint64_t> lengths;
  if (absl::Status s = ReadInto(**reader, engine, common.quiet, &lengths);
      !s.ok()) {
    return StatusExit(s);
  }
  const EngineStats stats = engine.stats();
  absl::StatusOr<Clustering> clustering;
  {
    Phase phase("clustering " + Count(stats.documents, "document", "documents"),
                0, common.quiet);
    clustering = engine.Cluster(phase.Hook());
  }
  if (!clustering.ok()) return StatusExit(clustering.status());
  const size_t num_ids = engine.num_ids();
  absl::StatusOr<std::vector<DedupDecision>> decisions = DecideKeep(
      num_ids, clustering->clusters,
      [&engine](DocId d) { return engine.date(d); }, lengths);
  if (!decisions.ok()) return StatusExit(decisions.status());
  const size_t num_clusters = clustering->clusters.size();
  clustering = Clustering();
  // The ids are all the rest needs: the engine is let go.
  std::vector<std::string> ids;
  ids.reserve(num_ids);
  for (DocId d = 0; d < num_ids; ++d) ids.push_back(engine.id(d));
  engine_or->reset();

  size_t kept = 0;
  for (const DedupDecision& d : *decisions) kept += d.keep;
  // The kept documents first: reading the input again is what may fail,
  // and then neither file is written.
  if (kept_output) {
    Phase phase(
        absl::StrFormat("writing the %d kept documents to %s", kept, args.kept),
        num_ids, common.quiet);
    absl::Status s = kept_output->Write([&](std::FILE* out, const std::string&,
                                            const WriteOptions&) {
      return WriteKept(args, *decisions, ids, lengths, phase, out, args.kept);
    });
    if (!s.ok()) return StatusExit(s);
  }
  {
    Phase phase("writing " + Count(num_ids, "decision", "decisions"), num_ids,
                common.quiet);
    absl::Status s = output->Write(
        [&](std::FILE* out, const std::string& format, const WriteOptions&) {
          return WriteDecisions(*decisions, ids, format, phase, out);
        });
    if (!s.ok()) return StatusExit(s);
  }
  PrintSummary(common, (*reader)->counts(), stats,
               absl::StrFormat("%d kept, %d dropped from %d cluster%s", kept,
                               num_ids - kept, num_clusters,
                               num_clusters == 1 ? "" : "s"),
               start);
  return 0;
}

}  // namespace

void AddDedupCommand(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DedupArgs>();
  CLI::App* cmd = app.add_subcommand(
      "dedup",
      "Decide, for every document, whether to keep it or drop it as a "
      "near-duplicate of another: one row per document, and optionally the "
      "kept documents themselves.");
  cmd->footer(
      "Each near-duplicate cluster (as mimeo cluster finds them) keeps one "
      "member: the earliest when every member has a date (--date-field), "
      "otherwise the longest text, otherwise the first in input order; the "
      "others are dropped. A document in no cluster is kept.\n\n"
      "Output, one row per document in input order (JSONL, or --format "
      "csv):\n"
      "  {\"id\": \"b.txt\", \"keep\": false, \"cluster\": 0, "
      "\"duplicate_of\": \"a.txt\"}\n"
      "--kept FILE writes the kept documents as JSONL (gzip or zstd when "
      "FILE ends in .gz or .zst): a JSONL document's line as it came, any "
      "other as {\"id\", \"text\"}. It reads the input a second time, so "
      "not standard input.\n\n"
      "Examples:\n"
      "  mimeo dedup crawl.jsonl.zst -o decisions.jsonl --kept "
      "deduped.jsonl.zst\n"
      "  mimeo dedup ~/articles --format csv -o decisions.csv\n"
      "  mimeo dedup dump.jsonl --date-field published --threshold 0.5 "
      "--kept kept.jsonl.gz -o decisions.jsonl\n");
  cmd->add_option("paths", args->paths,
                  "Files, directories (read recursively), or - for stdin")
      ->required();
  cmd->add_option("--kept", args->kept,
                  "Also write the kept documents here as JSONL (.gz or .zst "
                  "compresses)")
      ->type_name("FILE");
  cmd->add_flag("--estimate", args->estimate,
                "Verify pairs on MinHash estimates instead of exact shingle "
                "sets: about 5 KB less memory per document, but figures err "
                "by about 0.09 at 128 permutations and boilerplate is not "
                "set aside");
  // Near-duplicates only: no passages are cut, and sources, which tell a
  // template passage from a reprinted one, play no part.
  AddEngineOptions(cmd, args->common, /*passages=*/false);
  AddInputOptions(cmd, args->common, /*sources=*/false);
  cmd->add_option("--format", args->common.format, "jsonl (default) or csv")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  cmd->add_option("-o,--output", args->common.output,
                  "Write the decisions here, not stdout");
  cmd->add_flag("-q,--quiet", args->common.quiet,
                "No progress, warnings or summary on stderr");
  cmd->callback([args, &exit_code] { exit_code = Run(*args); });
}

}  // namespace mimeo::cli
