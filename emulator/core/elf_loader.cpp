// Firmware ELF loading with libelf.
//
// The whole file is read into memory and checked by hand before libelf sees it (identification
// bytes, header, program and section header tables inside the file), so that every problem,
// including a truncated or fuzzed file, becomes one ElfError line naming the file; libelf then
// parses headers and the symbol table from that buffer. Segments are loaded at their physical
// address (p_paddr, the LMA), as a debugger or flash programmer would.
#include "core/elf_loader.hpp"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace boardemu {
namespace {

// No board has more memory than this; a larger image is a corrupt header, not firmware, and
// zero-filling it would exhaust the host. The libFuzzer build (tests/fuzz) lowers the limit so
// that fuzzed headers do not spend the run zero-filling hundreds of MiB per input.
#ifndef BOARDEMU_ELF_MAX_IMAGE_BYTES
#define BOARDEMU_ELF_MAX_IMAGE_BYTES (256ull << 20)
#endif
constexpr std::uint64_t kMaxImageBytes = BOARDEMU_ELF_MAX_IMAGE_BYTES;
constexpr std::uint64_t kMaxFileBytes = 1ull << 30;
constexpr std::uint64_t k4GiB = 0x1'0000'0000ull;

std::string hex(std::uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%08llx", static_cast<unsigned long long>(v));
  return buf;
}

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
  throw ElfError(path + ": " + problem);
}

const char* cpu_name(ElfMachine m) {
  switch (m) {
    case ElfMachine::arm: return "ARM";
    case ElfMachine::riscv32: return "RISC-V";
    case ElfMachine::xtensa: return "Xtensa";
  }
  return "?";
}

unsigned em_of(ElfMachine m) {
  switch (m) {
    case ElfMachine::arm: return EM_ARM;
    case ElfMachine::riscv32: return EM_RISCV;
    case ElfMachine::xtensa: return EM_XTENSA;
  }
  return EM_NONE;
}

std::string machine_name(unsigned em) {
  switch (em) {
    case EM_NONE: return "no machine (EM_NONE)";
    case EM_ARM: return "ARM";
    case EM_RISCV: return "RISC-V";
    case EM_XTENSA: return "Xtensa";
    case EM_386: return "x86";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_MIPS: return "MIPS";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_SPARC: return "SPARC";
    case EM_AVR: return "AVR";
    case EM_MSP430: return "MSP430";
    case EM_68K: return "m68k";
    case EM_SH: return "SuperH";
    default: return "ELF machine " + std::to_string(em);
  }
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

class ElfHandle {
 public:
  explicit ElfHandle(Elf* e) : e_(e) {}
  ~ElfHandle() {
    if (e_) elf_end(e_);
  }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;
  Elf* get() const { return e_; }

 private:
  Elf* e_;
};

std::vector<char> read_whole_file(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; fstat below refuses it.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) fail(path, std::string("cannot open firmware: ") + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) fail(path, std::string("cannot read firmware: ") + std::strerror(errno));
  if (S_ISDIR(st.st_mode)) fail(path, "is a directory, not an ELF file");
  if (S_ISFIFO(st.st_mode)) fail(path, "is a FIFO, not an ELF file");
  if (!S_ISREG(st.st_mode)) fail(path, "is not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > kMaxFileBytes)
    fail(path, "is too large to be firmware (" + std::to_string(st.st_size) + " bytes)");
  std::vector<char> buf(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail(path, std::string("cannot read firmware: ") + std::strerror(errno));
    }
    if (n == 0) break;  // the file shrank while we read it
    got += static_cast<std::size_t>(n);
  }
  buf.resize(got);
  return buf;
}

std::uint16_t u16(const std::vector<char>& b, std::size_t off, bool le) {
  auto x = static_cast<unsigned char>(b[off]), y = static_cast<unsigned char>(b[off + 1]);
  return static_cast<std::uint16_t>(le ? (x | y << 8) : (y | x << 8));
}

// The message for the last libelf failure. libelf keeps its error until it is read, so callers
// clear it (by calling this) before a sequence of libelf calls.
std::string libelf_error() {
  int err = elf_errno();
  return err ? elf_errmsg(err) : "not recognised by libelf";
}

void init_libelf() {
  static const bool ok = elf_version(EV_CURRENT) != EV_NONE;
  if (!ok) throw ElfError("libelf initialisation failed: " + libelf_error());
}

// Identification and header checks on the raw bytes, before libelf is involved.
void check_ident(const std::string& path, const std::vector<char>& b, ElfMachine machine) {
  if (b.empty()) fail(path, "not an ELF file (the file is empty)");
  if (b.size() < SELFMAG || std::memcmp(b.data(), ELFMAG, SELFMAG) != 0)
    fail(path, "not an ELF file (no ELF magic number at the start)");
  if (b.size() < EI_NIDENT) fail(path, "not an ELF file (truncated after " + std::to_string(b.size()) + " bytes)");
  unsigned char cls = static_cast<unsigned char>(b[EI_CLASS]);
  unsigned char data = static_cast<unsigned char>(b[EI_DATA]);
  if (data != ELFDATA2LSB && data != ELFDATA2MSB)
    fail(path, "corrupt ELF file (invalid byte order " + std::to_string(data) + ")");
  bool le = data == ELFDATA2LSB;
  std::string built_for;
  if (b.size() >= 20) built_for = " built for " + machine_name(u16(b, 18, le));
  if (cls == ELFCLASS64)
    fail(path, "is a 64-bit ELF file" + built_for + "; the board's " + cpu_name(machine) +
                   " CPU needs a 32-bit executable");
  if (cls != ELFCLASS32) fail(path, "corrupt ELF file (invalid class " + std::to_string(cls) + ")");
  unsigned char version = static_cast<unsigned char>(b[EI_VERSION]);
  if (version != EV_CURRENT) fail(path, "corrupt ELF file (invalid version " + std::to_string(version) + ")");
  if (!le)
    fail(path, "is a big-endian ELF file" + built_for + "; the board's " + cpu_name(machine) +
                   " CPU needs a little-endian executable");
  if (b.size() < sizeof(Elf32_Ehdr))
    fail(path, "truncated ELF file (" + std::to_string(b.size()) + " bytes, shorter than the ELF header)");
}

void check_tables(const std::string& path, const std::vector<char>& b) {
  Elf32_Ehdr eh;
  std::memcpy(&eh, b.data(), sizeof eh);
  const std::uint64_t size = b.size();
  // e_phnum == PN_XNUM (the real count lives in section 0) never occurs in firmware; libelf
  // handles it, the bounds check below then only covers the first entries.
  if (eh.e_phnum != 0) {
    if (eh.e_phentsize != sizeof(Elf32_Phdr))
      fail(path, "corrupt ELF file (program header entry size " + std::to_string(eh.e_phentsize) + ")");
    std::uint64_t end = std::uint64_t{eh.e_phoff} + std::uint64_t{eh.e_phnum} * eh.e_phentsize;
    if (end > size)
      fail(path, "truncated or corrupt ELF file: the program header table (" + hex(eh.e_phoff) + ".." +
                     hex(end) + ") lies beyond the end of the file (" + std::to_string(size) + " bytes)");
  }
  if (eh.e_shoff != 0) {
    if (eh.e_shentsize != sizeof(Elf32_Shdr))
      fail(path, "corrupt ELF file (section header entry size " + std::to_string(eh.e_shentsize) + ")");
    std::uint64_t n = eh.e_shnum;
    if (n == 0) n = 1;  // SHN_UNDEF count: the real count lives in section 0
    std::uint64_t end = std::uint64_t{eh.e_shoff} + n * eh.e_shentsize;
    if (end > size)
      fail(path, "truncated or corrupt ELF file: the section header table (" + hex(eh.e_shoff) + ".." +
                     hex(end) + ") lies beyond the end of the file (" + std::to_string(size) + " bytes)");
  }
}

void check_type(const std::string& path, unsigned type) {
  switch (type) {
    case ET_EXEC: return;
    case ET_REL: fail(path, "is a relocatable object file (ET_REL), not an executable: link it first");
    case ET_DYN:
      fail(path, "is a shared object or position-independent executable (ET_DYN); firmware must be "
                 "linked at fixed addresses (ET_EXEC)");
    case ET_CORE: fail(path, "is a core dump (ET_CORE), not an executable");
    default: fail(path, "is not an executable (ELF type " + std::to_string(type) + ")");
  }
}

void read_symbols(const std::string& path, Elf* e, ElfImage& img) {
  Elf_Scn* scn = nullptr;
  while ((scn = elf_nextscn(e, scn)) != nullptr) {
    GElf_Shdr sh;
    if (!gelf_getshdr(scn, &sh)) fail(path, "corrupt section header: " + libelf_error());
    if (sh.sh_type != SHT_SYMTAB) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data || (data->d_size != 0 && !data->d_buf))
      fail(path, "corrupt symbol table: " + libelf_error());
    std::size_t count = data->d_size / sizeof(Elf32_Sym);
    for (std::size_t i = 1; i < count; ++i) {  // entry 0 is the reserved null symbol
      GElf_Sym sym;
      if (!gelf_getsym(data, static_cast<int>(i), &sym)) break;
      unsigned type = GELF_ST_TYPE(sym.st_info);
      if (sym.st_name == 0 || type == STT_SECTION || type == STT_FILE) continue;
      const char* name = elf_strptr(e, sh.sh_link, sym.st_name);
      if (!name) fail(path, "corrupt symbol table: symbol " + std::to_string(i) + " has no valid name");
      img.symbols.emplace_back(name, static_cast<std::uint32_t>(sym.st_value));
    }
  }
}

// For segments that start at file offset 0: how many leading bytes are headers, i.e. precede
// the first allocated section inside the segment (or, without section headers, the end of the
// ELF header and program header table).
void find_header_bytes(const std::string& path, Elf* e, const GElf_Ehdr& eh,
                       const std::vector<std::size_t>& header_segments, ElfImage& img) {
  for (std::size_t idx : header_segments) {
    ElfSegment& seg = img.segments[idx];
    std::uint64_t first = std::max<std::uint64_t>(eh.e_ehsize, eh.e_phoff + std::uint64_t{eh.e_phnum} * eh.e_phentsize);
    bool have_sections = false;
    Elf_Scn* scn = nullptr;
    while ((scn = elf_nextscn(e, scn)) != nullptr) {
      GElf_Shdr sh;
      if (!gelf_getshdr(scn, &sh)) fail(path, "corrupt section header: " + libelf_error());
      if (!(sh.sh_flags & SHF_ALLOC) || sh.sh_type == SHT_NOBITS || sh.sh_size == 0) continue;
      if (sh.sh_offset >= seg.file_size) continue;  // not inside this segment's file bytes
      if (!have_sections || sh.sh_offset < first) first = sh.sh_offset;
      have_sections = true;
    }
    seg.header_bytes = static_cast<std::uint32_t>(std::min<std::uint64_t>(first, seg.file_size));
  }
}

}  // namespace

ElfImage read_elf(const std::string& path, ElfMachine machine) {
  return parse_elf(read_whole_file(path), path, machine);
}

ElfImage parse_elf(std::vector<char> buf, const std::string& path, ElfMachine machine) {
  check_ident(path, buf, machine);
  check_tables(path, buf);

  init_libelf();
  libelf_error();  // forget failures of earlier calls
  ElfHandle elf(elf_memory(buf.data(), buf.size()));
  if (!elf.get() || elf_kind(elf.get()) != ELF_K_ELF) fail(path, "corrupt ELF file: " + libelf_error());
  GElf_Ehdr eh;
  if (!gelf_getehdr(elf.get(), &eh)) fail(path, "corrupt ELF header: " + libelf_error());

  if (eh.e_machine != em_of(machine))
    fail(path, "built for " + machine_name(eh.e_machine) + ", but the board's CPU is " + cpu_name(machine));
  check_type(path, eh.e_type);

  std::size_t phnum = 0;
  if (elf_getphdrnum(elf.get(), &phnum) != 0)
    fail(path, "corrupt program header table: " + libelf_error());

  ElfImage img;
  img.entry = static_cast<std::uint32_t>(eh.e_entry);
  img.flags = static_cast<std::uint32_t>(eh.e_flags);
  std::uint64_t total = 0;
  std::vector<std::size_t> header_segments;  // indices into img.segments of those at offset 0
  for (std::size_t i = 0; i < phnum; ++i) {
    GElf_Phdr ph;
    if (!gelf_getphdr(elf.get(), static_cast<int>(i), &ph))
      fail(path, "corrupt program header " + std::to_string(i) + ": " + libelf_error());
    if (ph.p_type != PT_LOAD) continue;
    std::string seg = "segment " + std::to_string(i);
    if (ph.p_filesz > ph.p_memsz)
      fail(path, "corrupt ELF file: " + seg + " has more file bytes (" + hex(ph.p_filesz) +
                     ") than memory bytes (" + hex(ph.p_memsz) + ")");
    if (ph.p_offset + ph.p_filesz > buf.size())
      fail(path, "truncated or corrupt ELF file: " + seg + " (file bytes " + hex(ph.p_offset) + ".." +
                     hex(ph.p_offset + ph.p_filesz) + ") lies beyond the end of the file (" +
                     std::to_string(buf.size()) + " bytes)");
    if (ph.p_memsz == 0) continue;
    if (ph.p_paddr + ph.p_memsz > k4GiB)
      fail(path, seg + " (" + hex(ph.p_paddr) + ".." + hex(ph.p_paddr + ph.p_memsz) +
                     ") extends past the 32-bit address space");
    total += ph.p_memsz;
    if (total > kMaxImageBytes)
      fail(path, "corrupt ELF file: the loadable segments add up to more than " +
                     std::to_string(kMaxImageBytes >> 20) + " MiB");
    ElfSegment s;
    s.paddr = static_cast<std::uint32_t>(ph.p_paddr);
    s.index = static_cast<unsigned>(i);
    s.file_size = static_cast<std::uint32_t>(ph.p_filesz);
    s.executable = (ph.p_flags & PF_X) != 0;
    const auto* first = reinterpret_cast<const std::uint8_t*>(buf.data()) + ph.p_offset;
    s.data.assign(first, first + ph.p_filesz);
    s.data.resize(ph.p_memsz, 0);
    if (ph.p_offset == 0) header_segments.push_back(img.segments.size());
    img.segments.push_back(std::move(s));
  }
  if (img.segments.empty()) fail(path, "has no loadable (PT_LOAD) segments");
  find_header_bytes(path, elf.get(), eh, header_segments, img);

  read_symbols(path, elf.get(), img);
  return img;
}

void load_elf_segments(const std::string& path, const ElfImage& image,
                       const std::function<bool(std::uint32_t, const std::vector<std::uint8_t>&)>& store) {
  for (const ElfSegment& s : image.segments) {
    if (store(s.paddr, s.data)) continue;
    // Where the board has no memory for the headers a segment starts with, load the program
    // content only (as QEMU does).
    if (s.header_bytes > 0 && s.header_bytes < s.data.size() &&
        store(s.paddr + s.header_bytes, std::vector<std::uint8_t>(s.data.begin() + s.header_bytes, s.data.end())))
      continue;
    fail(path, "segment " + std::to_string(s.index) + " (" + hex(s.paddr) + ".." +
               hex(std::uint64_t{s.paddr} + s.data.size()) + ") lies outside the board's memory");
  }
}

}  // namespace boardemu
