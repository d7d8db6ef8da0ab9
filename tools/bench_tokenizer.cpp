// bench_tokenizer --tokenizer DIR --input FILE [--repeat N] [--column K]
// Single-thread tokenizer throughput: each line of FILE (for a .tsv, its first column; for a
// .jsonl, every string value of the record) is encoded once per repeat, ids only.
#include <time.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "tokenizer/tokenizer.h"
#include "util/error.h"

int main(int argc, char** argv) {
    CLI::App app{"Measure tokenizer throughput (MB/s, tokens/s) on one thread"};
    std::string dir, input;
    int repeat = 10;
    bool with_tokens = false;
    app.add_option("--tokenizer", dir, "Hugging Face tokenizer folder")->required();
    app.add_option("--input", input, "Text file: .tsv (first column), .jsonl (string values) or plain lines")
        ->required();
    app.add_option("--repeat", repeat, "Passes over the input")->capture_default_str();
    app.add_flag("--with-tokens", with_tokens, "Also build the token strings");
    CLI11_PARSE(app, argc, argv);
    try {
        const auto tokenizer = bertcls::make_tokenizer(bertcls::read_tokenizer_dir(dir));
        std::vector<std::string> texts;
        std::ifstream in(input, std::ios::binary);
        if (!in) throw bertcls::InputError("cannot open " + input);
        std::string line;
        const bool tsv = input.ends_with(".tsv"), jsonl = input.ends_with(".jsonl");
        while (std::getline(in, line)) {
            if (jsonl) {
                const auto record = nlohmann::json::parse(line);
                for (const auto& [key, value] : record.items())
                    if (value.is_string()) texts.push_back(value.get<std::string>());
            } else if (tsv) {
                texts.push_back(line.substr(0, line.find('\t')));
            } else {
                texts.push_back(line);
            }
        }
        std::size_t bytes = 0;
        for (const auto& t : texts) bytes += t.size();
        bertcls::EncodeOptions options;
        options.with_tokens = with_tokens;
        std::size_t tokens = 0;
        for (const auto& t : texts) tokens += tokenizer->encode(t, std::nullopt, options).input_ids.size();  // warm-up
        const auto thread_seconds = [] {
            timespec ts{};
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
            return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
        };
        const double cpu_start = thread_seconds();
        const auto start = std::chrono::steady_clock::now();
        std::size_t total_tokens = 0;
        for (int r = 0; r < repeat; ++r)
            for (const auto& t : texts) total_tokens += tokenizer->encode(t, std::nullopt, options).input_ids.size();
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double cpu = thread_seconds() - cpu_start;
        const double total_bytes = static_cast<double>(bytes) * repeat;
        std::cout << "texts " << texts.size() << ", " << bytes << " bytes, " << tokens << " tokens per pass; "
                  << repeat << " passes in " << seconds << " s\n"
                  << "throughput: " << total_bytes / seconds / 1e6 << " MB/s, "
                  << static_cast<double>(total_tokens) / seconds / 1e6 << " M tokens/s, "
                  << static_cast<double>(texts.size()) * repeat / seconds << " texts/s (1 thread, wall clock)\n"
                  << "per CPU second of this thread (what a loaded machine does not distort): "
                  << total_bytes / cpu / 1e6 << " MB/s, " << static_cast<double>(total_tokens) / cpu / 1e6
                  << " M tokens/s\n";
    } catch (const std::exception& e) {
        std::cerr << "bench_tokenizer: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
