#include "util/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>

#include "util/error.h"

namespace bertcls {

namespace {

constexpr std::size_t kHugePage = 2u << 20;

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& problem) {
    throw InputError(path.string() + ": " + problem);
}

}  // namespace

MappedFile::MappedFile(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ > 0) {
        void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            ::close(fd);
            fail(path, std::string("cannot map: ") + std::strerror(errno));
        }
        // Before the first touch: pages read from disk then come in 2 MiB folios where the
        // filesystem has large folios (ext4 since Linux 6.16, XFS, tmpfs), mapped with one TLB
        // entry each. The GEMMs stream every weight once per batch; with 4 KiB pages, batch
        // throughput on bert-base is 2-9% lower. Best effort: without THP it changes nothing.
        if (size_ >= kHugePage) ::madvise(p, size_, MADV_HUGEPAGE);
        data_ = static_cast<const std::byte*>(p);
    }
    ::close(fd);
}

MappedFile::~MappedFile() {
    if (data_) ::munmap(const_cast<std::byte*>(data_), size_);
}

void MappedFile::release_pages(std::span<const std::byte> range) const {
    if (range.empty()) return;
    const auto page = static_cast<uintptr_t>(::sysconf(_SC_PAGESIZE));
    // Only whole pages inside the range may go: neighbours may still be in use.
    const auto begin = (reinterpret_cast<uintptr_t>(range.data()) + page - 1) / page * page;
    const auto end = (reinterpret_cast<uintptr_t>(range.data()) + range.size()) / page * page;
    if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

}  // namespace bertcls
