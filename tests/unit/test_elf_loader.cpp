// Firmware ELF loading (emulator/core/elf_loader.cpp). The ELF files are built here, byte by
// byte, following the ELF32 layout of the System V ABI (ELF header, program headers, optional
// section headers with .symtab/.strtab), so no cross compiler is needed at test time.
#include <gtest/gtest.h>

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/elf_loader.hpp"

namespace boardemu {
namespace {

namespace fs = std::filesystem;

// Builds a little-endian ELF32 file in memory.
struct ElfBuilder {
  struct Segment {
    std::uint32_t type = PT_LOAD;
    std::uint32_t paddr = 0;
    std::vector<std::uint8_t> bytes;
    std::uint32_t memsz = 0;  // 0: same as bytes.size()
    // The segment starts at file offset 0 and so begins with the ELF and program headers;
    // `paddr` is still where `bytes` go (the segment itself starts that many bytes lower).
    bool with_headers = false;
  };

  std::uint8_t elf_class = ELFCLASS32;
  std::uint8_t data = ELFDATA2LSB;
  std::uint16_t type = ET_EXEC;
  std::uint16_t machine = EM_ARM;
  std::uint32_t entry = 0x101;
  std::vector<Segment> segments;
  std::vector<std::pair<std::string, std::uint32_t>> symbols;  // non-empty: emit .symtab

  static constexpr std::size_t kEhdr = sizeof(Elf32_Ehdr);
  static constexpr std::size_t kPhdr = sizeof(Elf32_Phdr);
  static std::size_t phdr_offset(std::size_t i) { return kEhdr + i * kPhdr; }

  std::vector<std::uint8_t> build() const {
    std::vector<std::uint8_t> out(kEhdr + segments.size() * kPhdr, 0);
    std::vector<std::uint32_t> offsets;
    for (const auto& s : segments) {
      align(out, 4);
      offsets.push_back(static_cast<std::uint32_t>(out.size()));
      out.insert(out.end(), s.bytes.begin(), s.bytes.end());
    }

    std::uint32_t shoff = 0, shnum = 0, shstrndx = 0;
    if (!symbols.empty()) {
      // Sections: 0 null, 1 .symtab, 2 .strtab, 3 .shstrtab.
      std::string strtab(1, '\0');
      std::vector<Elf32_Sym> syms(1);  // entry 0: the null symbol
      for (const auto& [name, value] : symbols) {
        Elf32_Sym s{};
        s.st_name = static_cast<Elf32_Word>(strtab.size());
        s.st_value = value;
        s.st_info = ELF32_ST_INFO(STB_GLOBAL, STT_FUNC);
        s.st_shndx = SHN_ABS;
        strtab += name + '\0';
        syms.push_back(s);
      }
      const std::string shstrtab = std::string("\0.symtab\0.strtab\0.shstrtab\0", 27);
      align(out, 4);
      std::uint32_t symoff = static_cast<std::uint32_t>(out.size());
      append(out, syms.data(), syms.size() * sizeof(Elf32_Sym));
      std::uint32_t stroff = static_cast<std::uint32_t>(out.size());
      append(out, strtab.data(), strtab.size());
      std::uint32_t shstroff = static_cast<std::uint32_t>(out.size());
      append(out, shstrtab.data(), shstrtab.size());
      align(out, 4);
      shoff = static_cast<std::uint32_t>(out.size());
      Elf32_Shdr sh[4]{};
      sh[1] = Elf32_Shdr{1, SHT_SYMTAB, 0, 0, symoff,
                         static_cast<Elf32_Word>(syms.size() * sizeof(Elf32_Sym)), 2, 1, 4,
                         sizeof(Elf32_Sym)};
      sh[2] = Elf32_Shdr{9, SHT_STRTAB, 0, 0, stroff, static_cast<Elf32_Word>(strtab.size()), 0, 0, 1, 0};
      sh[3] = Elf32_Shdr{17, SHT_STRTAB, 0, 0, shstroff, static_cast<Elf32_Word>(shstrtab.size()), 0, 0, 1, 0};
      append(out, sh, sizeof sh);
      shnum = 4;
      shstrndx = 3;
    }

    Elf32_Ehdr eh{};
    std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = elf_class;
    eh.e_ident[EI_DATA] = data;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = type;
    eh.e_machine = machine;
    eh.e_version = EV_CURRENT;
    eh.e_entry = entry;
    eh.e_phoff = segments.empty() ? 0 : kEhdr;
    eh.e_shoff = shoff;
    eh.e_ehsize = kEhdr;
    eh.e_phentsize = kPhdr;
    eh.e_phnum = static_cast<Elf32_Half>(segments.size());
    eh.e_shentsize = sizeof(Elf32_Shdr);
    eh.e_shnum = static_cast<Elf32_Half>(shnum);
    eh.e_shstrndx = static_cast<Elf32_Half>(shstrndx);
    std::memcpy(out.data(), &eh, sizeof eh);

    for (std::size_t i = 0; i < segments.size(); ++i) {
      const Segment& s = segments[i];
      Elf32_Phdr ph{};
      const std::uint32_t lead = s.with_headers ? offsets[i] : 0;
      ph.p_type = s.type;
      ph.p_offset = offsets[i] - lead;
      ph.p_vaddr = s.paddr - lead;
      ph.p_paddr = s.paddr - lead;
      ph.p_filesz = static_cast<Elf32_Word>(lead + s.bytes.size());
      ph.p_memsz = lead + (s.memsz ? s.memsz : static_cast<Elf32_Word>(s.bytes.size()));
      ph.p_flags = PF_R | PF_X;
      ph.p_align = 4;
      std::memcpy(out.data() + phdr_offset(i), &ph, sizeof ph);
    }
    return out;
  }

  static void align(std::vector<std::uint8_t>& v, std::size_t a) {
    while (v.size() % a) v.push_back(0);
  }
  static void append(std::vector<std::uint8_t>& v, const void* p, std::size_t n) {
    auto* b = static_cast<const std::uint8_t*>(p);
    v.insert(v.end(), b, b + n);
  }
};

void put32(std::vector<std::uint8_t>& v, std::size_t off, std::uint32_t x) { std::memcpy(v.data() + off, &x, 4); }

// A typical firmware: code at 0 and initialised data + .bss in RAM, with symbols.
ElfBuilder firmware() {
  ElfBuilder b;
  b.segments.push_back({PT_LOAD, 0x00000000, {0x00, 0x10, 0x00, 0x20, 0x09, 0x00, 0x00, 0x00}, 0});
  b.segments.push_back({PT_LOAD, 0x20000000, {0xaa, 0xbb, 0xcc}, 0x10});
  b.symbols = {{"Reset_Handler", 0x9}, {"_estack", 0x20001000}};
  return b;
}

class ElfLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("boardemu-elf-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::vector<std::uint8_t>& bytes, const std::string& name = "fw.elf") {
    std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // Reads `path` for `m`, expecting an ElfError; returns its message.
  std::string error_of(const std::string& path, ElfMachine m = ElfMachine::arm) {
    try {
      read_elf(path, m);
    } catch (const ElfError& e) {
      std::string msg = e.what();
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
      EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << "does not name the file: " << msg;
      return msg;
    }
    ADD_FAILURE() << "no error for " << path;
    return "";
  }
  std::string error_of(const std::vector<std::uint8_t>& bytes, ElfMachine m = ElfMachine::arm) {
    return error_of(write(bytes), m);
  }

  fs::path dir_;
};

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << "message: " << (msg)

TEST_F(ElfLoaderTest, LoadsSegmentsEntryAndSymbols) {
  ElfImage img = read_elf(write(firmware().build()), ElfMachine::arm);
  EXPECT_EQ(img.entry, 0x101u);
  ASSERT_EQ(img.segments.size(), 2u);
  EXPECT_EQ(img.segments[0].paddr, 0u);
  EXPECT_EQ(img.segments[0].data, (std::vector<std::uint8_t>{0x00, 0x10, 0x00, 0x20, 0x09, 0, 0, 0}));
  EXPECT_EQ(img.segments[0].index, 0u);
  EXPECT_EQ(img.segments[1].paddr, 0x20000000u);
  ASSERT_EQ(img.segments[1].data.size(), 0x10u);  // file bytes, then zeros up to p_memsz
  EXPECT_EQ(img.segments[1].data[0], 0xaa);
  EXPECT_EQ(img.segments[1].data[2], 0xcc);
  for (std::size_t i = 3; i < 0x10; ++i) EXPECT_EQ(img.segments[1].data[i], 0) << i;
  EXPECT_EQ(img.segments[1].index, 1u);
  ASSERT_EQ(img.symbols.size(), 2u);
  EXPECT_EQ(img.symbols[0], (std::pair<std::string, std::uint32_t>{"Reset_Handler", 0x9}));
  EXPECT_EQ(img.symbols[1], (std::pair<std::string, std::uint32_t>{"_estack", 0x20001000}));
}

TEST_F(ElfLoaderTest, StrippedFileHasNoSymbolsAndSkipsOtherSegments) {
  ElfBuilder b = firmware();
  b.symbols.clear();
  b.segments.insert(b.segments.begin(), ElfBuilder::Segment{PT_NOTE, 0, {1, 2, 3, 4}, 0});
  ElfImage img = read_elf(write(b.build()), ElfMachine::arm);
  EXPECT_TRUE(img.symbols.empty());
  ASSERT_EQ(img.segments.size(), 2u);
  EXPECT_EQ(img.segments[0].index, 1u);  // numbered as in the program header table
}

TEST_F(ElfLoaderTest, OtherMachines) {
  ElfBuilder b = firmware();
  b.machine = EM_RISCV;
  EXPECT_EQ(read_elf(write(b.build()), ElfMachine::riscv32).segments.size(), 2u);
  b.machine = EM_XTENSA;
  EXPECT_EQ(read_elf(write(b.build()), ElfMachine::xtensa).segments.size(), 2u);
}

TEST_F(ElfLoaderTest, MissingFile) {
  std::string path = (dir_ / "absent.elf").string();
  EXPECT_HAS(error_of(path), "No such file");
}

TEST_F(ElfLoaderTest, UnreadableFile) {
  std::string path = write(firmware().build());
  EXPECT_HAS(error_of(dir_.string()), "directory");
  if (::geteuid() == 0) GTEST_SKIP() << "root can read files without permission bits";
  ::chmod(path.c_str(), 0);
  EXPECT_HAS(error_of(path), "Permission denied");
}

TEST_F(ElfLoaderTest, NotAnElf) {
  EXPECT_HAS(error_of(std::vector<std::uint8_t>{}), "not an ELF file");
  EXPECT_HAS(error_of(std::vector<std::uint8_t>{'#', '!', '/', 'b', 'i', 'n'}), "not an ELF file");
  EXPECT_HAS(error_of(std::vector<std::uint8_t>{0x7f, 'E', 'L'}), "not an ELF file");
  std::vector<std::uint8_t> head = firmware().build();
  head.resize(10);
  EXPECT_HAS(error_of(head), "not an ELF file");
}

TEST_F(ElfLoaderTest, TruncatedFiles) {
  std::vector<std::uint8_t> full = firmware().build();
  std::vector<std::uint8_t> header_only(full.begin(), full.begin() + 30);
  EXPECT_HAS(error_of(header_only), "truncated");
  // Cut before the section headers at the end of the file.
  std::vector<std::uint8_t> cut(full.begin(), full.end() - 8);
  EXPECT_HAS(error_of(cut), "section header table");
  // Without section headers, a cut inside a segment names the segment.
  ElfBuilder b = firmware();
  b.symbols.clear();
  std::vector<std::uint8_t> stripped = b.build();
  stripped.resize(stripped.size() - 2);
  std::string msg = error_of(stripped);
  EXPECT_HAS(msg, "segment 1");
  EXPECT_HAS(msg, "beyond the end of the file");
  // Cut inside the program header table.
  std::vector<std::uint8_t> in_phdrs(full.begin(), full.begin() + ElfBuilder::phdr_offset(1) + 4);
  EXPECT_HAS(error_of(in_phdrs), "program header table");
}

TEST_F(ElfLoaderTest, SixtyFourBitOrBigEndian) {
  ElfBuilder b = firmware();
  b.elf_class = ELFCLASS64;
  b.machine = EM_X86_64;
  std::string msg = error_of(b.build());
  EXPECT_HAS(msg, "64-bit");
  EXPECT_HAS(msg, "x86-64");
  b = firmware();
  b.data = ELFDATA2MSB;
  EXPECT_HAS(error_of(b.build()), "big-endian");
}

TEST_F(ElfLoaderTest, WrongMachineNamesBoth) {
  ElfBuilder b = firmware();
  b.machine = EM_RISCV;
  std::string path = write(b.build());
  EXPECT_EQ(error_of(path, ElfMachine::arm), path + ": built for RISC-V, but the board's CPU is ARM");
  b.machine = EM_ARM;
  path = write(b.build());
  EXPECT_EQ(error_of(path, ElfMachine::riscv32), path + ": built for ARM, but the board's CPU is RISC-V");
  b.machine = EM_X86_64;
  EXPECT_HAS(error_of(b.build(), ElfMachine::xtensa), "built for x86-64, but the board's CPU is Xtensa");
}

TEST_F(ElfLoaderTest, NotAnExecutable) {
  ElfBuilder b = firmware();
  b.type = ET_REL;
  EXPECT_HAS(error_of(b.build()), "not an executable");
  b.type = ET_DYN;
  EXPECT_HAS(error_of(b.build()), "ET_DYN");
  b.type = ET_CORE;
  EXPECT_HAS(error_of(b.build()), "not an executable");
}

TEST_F(ElfLoaderTest, NoLoadableSegments) {
  ElfBuilder b = firmware();
  b.segments.clear();
  EXPECT_HAS(error_of(b.build()), "no loadable (PT_LOAD) segments");
  b.segments.push_back({PT_NOTE, 0, {1, 2, 3, 4}, 0});
  EXPECT_HAS(error_of(b.build()), "no loadable (PT_LOAD) segments");
}

TEST_F(ElfLoaderTest, CorruptSegments) {
  std::vector<std::uint8_t> bytes = firmware().build();
  // p_filesz (offset 16 in the program header) larger than p_memsz (offset 20).
  put32(bytes, ElfBuilder::phdr_offset(1) + 16, 0x20);
  std::string msg = error_of(bytes);
  EXPECT_HAS(msg, "segment 1");
  EXPECT_HAS(msg, "more file bytes");

  bytes = firmware().build();
  put32(bytes, ElfBuilder::phdr_offset(0) + 4, 0x7ffffff0);  // p_offset far beyond the file
  msg = error_of(bytes);
  EXPECT_HAS(msg, "segment 0");
  EXPECT_HAS(msg, "beyond the end of the file");

  bytes = firmware().build();
  put32(bytes, ElfBuilder::phdr_offset(1) + 20, 0xfffffff0);  // p_memsz: 4 GiB of .bss
  EXPECT_HAS(error_of(bytes), "segment 1");

  bytes = firmware().build();
  put32(bytes, ElfBuilder::phdr_offset(1) + 20, 0x10000000);  // 256 MiB + code: implausible
  EXPECT_HAS(error_of(bytes), "MiB");
}

TEST_F(ElfLoaderTest, LoadSegmentsThroughStore) {
  std::string path = write(firmware().build());
  ElfImage img = read_elf(path, ElfMachine::arm);
  std::vector<std::pair<std::uint32_t, std::size_t>> stored;
  auto store = [&](std::uint32_t addr, const std::vector<std::uint8_t>& bytes) {
    stored.emplace_back(addr, bytes.size());
    return true;
  };
  load_elf_segments(path, img, store);
  EXPECT_EQ(stored, (std::vector<std::pair<std::uint32_t, std::size_t>>{{0, 8}, {0x20000000, 0x10}}));
}

TEST_F(ElfLoaderTest, SegmentOutsideMemoryIsNamed) {
  ElfBuilder b = firmware();
  b.segments[1] = {PT_LOAD, 0x60000000, std::vector<std::uint8_t>(0x1000, 0x5a), 0};
  std::string path = write(b.build());
  ElfImage img = read_elf(path, ElfMachine::arm);
  // Only the low 4 MiB exist on this imaginary board.
  auto store = [](std::uint32_t addr, const std::vector<std::uint8_t>& bytes) {
    return std::uint64_t{addr} + bytes.size() <= 0x400000;
  };
  try {
    load_elf_segments(path, img, store);
    FAIL();
  } catch (const ElfError& e) {
    EXPECT_EQ(std::string(e.what()),
              path + ": segment 1 (0x60000000..0x60001000) lies outside the board's memory");
  }
}

// Linkers often let the first segment start at file offset 0 when the headers fit below the
// first section, so the segment begins below the program (e.g. at 0x4FFFFFxx for code at
// 0x50000000). QEMU loads such files on machines without memory there; boardemu loads the
// program part, and still names a segment whose program part does not fit.
TEST_F(ElfLoaderTest, HeadersAtTheStartOfASegmentNeedNoMemory) {
  ElfBuilder b;
  b.machine = EM_XTENSA;
  b.entry = 0x50000000;
  b.segments.push_back({PT_LOAD, 0x50000000, {0x11, 0x22, 0x33, 0x44}, 0, true});
  b.segments.push_back({PT_LOAD, 0x60000000, {0x55, 0x66}, 0});
  std::string path = write(b.build());
  ElfImage img = read_elf(path, ElfMachine::xtensa);
  ASSERT_EQ(img.segments.size(), 2u);
  const std::uint32_t headers = sizeof(Elf32_Ehdr) + 2 * sizeof(Elf32_Phdr);
  EXPECT_EQ(img.segments[0].paddr, 0x50000000 - headers);
  EXPECT_EQ(img.segments[0].header_bytes, headers);
  EXPECT_EQ(img.segments[1].header_bytes, 0u);
  std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>> stored;
  auto in_memory = [&](std::uint32_t addr, const std::vector<std::uint8_t>& bytes) {
    bool ok = (addr >= 0x50000000 && addr + bytes.size() <= 0x50001000) ||
              (addr >= 0x60000000 && addr + bytes.size() <= 0x60001000);
    if (ok) stored.emplace_back(addr, bytes);
    return ok;
  };
  load_elf_segments(path, img, in_memory);
  EXPECT_EQ(stored, (std::vector<std::pair<std::uint32_t, std::vector<std::uint8_t>>>{
                        {0x50000000, {0x11, 0x22, 0x33, 0x44}}, {0x60000000, {0x55, 0x66}}}));

  // Memory that holds the headers gets them, as the file says.
  stored.clear();
  load_elf_segments(path, img, [&](std::uint32_t addr, const std::vector<std::uint8_t>& bytes) {
    stored.emplace_back(addr, bytes);
    return true;
  });
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].first, 0x50000000 - headers);
  EXPECT_EQ(stored[0].second.size(), headers + 4);

  // The program part itself outside memory is still an error naming the segment.
  auto only_low = [](std::uint32_t addr, const std::vector<std::uint8_t>& bytes) {
    return std::uint64_t{addr} + bytes.size() <= 0x400000;
  };
  try {
    load_elf_segments(path, img, only_low);
    FAIL();
  } catch (const ElfError& e) {
    EXPECT_NE(std::string(e.what()).find("segment 0 ("), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("lies outside the board's memory"), std::string::npos);
  }
}

}  // namespace
}  // namespace boardemu
