// bertcls compile-tokenizer DIR -o FILE: the compiled tokenizer (tokenizer/compiled.h) of a Hugging
// Face tokenizer folder, which scripts/convert_checkpoint.py stores in the model file. Hidden from
// --help: a step of the converter, not a user command.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "tokenizer/compiled.h"
#include "util/error.h"

namespace bertcls::cli {

void register_compile_tokenizer_command(CLI::App& app) {
    auto dir = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("compile-tokenizer",
                                       "Write the compiled form of a tokenizer folder (used by scripts/convert_checkpoint.py)");
    cmd->group("");  // hidden
    cmd->add_option("dir", *dir, "Hugging Face tokenizer folder")->required();
    cmd->add_option("-o,--output", *output, "File to write; none (and a line on stdout) when the tokenizer has no compiled form")
        ->required();
    cmd->callback([dir, output] {
        const auto blob = compile_tokenizer(read_tokenizer_dir(*dir));
        if (!blob) {
            std::filesystem::remove(*output);
            std::cout << "the tokenizer in " << *dir << " has no compiled form\n";
            return;
        }
        std::ofstream out(*output, std::ios::binary | std::ios::trunc);
        out.write(blob->data(), static_cast<std::streamsize>(blob->size()));
        out.close();
        if (!out) throw InputError("cannot write " + *output);
    });
}

}  // namespace bertcls::cli
