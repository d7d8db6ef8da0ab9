#include "util/resources.h"

#include <sys/resource.h>

#include <fstream>
#include <string>

namespace bertcls {

double peak_rss_mb() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::optional<double> file_huge_pages_mb() {
    std::ifstream rollup("/proc/self/smaps_rollup");
    const std::string key = "FilePmdMapped:";
    for (std::string line; std::getline(rollup, line);)
        if (line.starts_with(key)) return std::stod(line.substr(key.size())) / 1024.0;  // in KiB
    return std::nullopt;
}

}  // namespace bertcls
