// Xtensa SIMCALL semihosting (emulator/xtensa/xtensa_simcall.cpp) with no CPU: the calls are
// made as the LX106 would make them (a2 = call, a3..a6 arguments; result a2, guest errno a3),
// against guest memory on a Bus.
//
// What is checked: the console and exit work with no further permission; without
// set_file_root (`--semihosting-files DIR`) no host file is reachable and no host descriptor
// either (not even one the emulator itself has open); with it, files inside DIR are opened,
// read, written, seeked and closed, and nothing outside DIR is reached: absolute paths, `..`,
// symbolic links and FIFOs are refused without blocking.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/bus.hpp"
#include "core/scheduler.hpp"
#include "xtensa/xtensa_simcall.hpp"

namespace boardemu::xtensa {
namespace {

namespace fs = std::filesystem;

// Call numbers (QEMU target/xtensa/xtensa-semi.c, the Tensilica ISS convention).
constexpr std::uint32_t kExit = 1, kRead = 3, kWrite = 4, kOpen = 5, kClose = 6, kLseek = 19;
// newlib O_* flags as an lx106 program passes them.
constexpr std::uint32_t kORdonly = 0, kOWronly = 1, kORdwr = 2, kOAppend = 0x8, kOCreat = 0x200,
                        kOTrunc = 0x400;
constexpr std::uint32_t kRam = 0x3FFC0000, kName = kRam, kBuf = kRam + 0x1000;
constexpr std::uint32_t kFail = 0xFFFFFFFF, kELOOP = 92, kENOTDIR = 20;

class SimcallTest : public ::testing::Test {
 protected:
  SimcallTest() : bus_(sched_), sim_(bus_) {
    MemoryRegion ram;
    ram.name = "ram";
    ram.base = kRam;
    ram.size = 0x10000;
    bus_.add_ram(ram);
    sim_.set_console([this](int fd, const std::string& b) { console_ += std::to_string(fd) + ":" + b; });
    base_ = fs::temp_directory_path() /
            ("boardemu-simcall-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    root_ = base_ / "root";
    fs::create_directories(root_ / "sub");
  }
  ~SimcallTest() override { fs::remove_all(base_); }

  XtensaSimcall::Outcome call(std::uint32_t op, std::uint32_t a3 = 0, std::uint32_t a4 = 0, std::uint32_t a5 = 0) {
    std::uint32_t a[5] = {op, a3, a4, a5, 0};
    return sim_.call(a);
  }
  XtensaSimcall::Outcome open(const std::string& name, std::uint32_t flags, std::uint32_t mode = 0644) {
    std::string z = name + '\0';
    EXPECT_TRUE(bus_.write_block(kName, reinterpret_cast<const std::uint8_t*>(z.data()), z.size()));
    return call(kOpen, kName, flags, mode);
  }
  XtensaSimcall::Outcome write(std::uint32_t fd, const std::string& bytes) {
    EXPECT_TRUE(bus_.write_block(kBuf, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
    return call(kWrite, fd, kBuf, static_cast<std::uint32_t>(bytes.size()));
  }
  std::string read(std::uint32_t fd, std::uint32_t len, XtensaSimcall::Outcome* out = nullptr) {
    auto o = call(kRead, fd, kBuf, len);
    if (out) *out = o;
    if (static_cast<std::int32_t>(o.a2) <= 0) return "";
    std::string s(o.a2, '\0');
    EXPECT_TRUE(bus_.read_block(kBuf, reinterpret_cast<std::uint8_t*>(s.data()), s.size()));
    return s;
  }
  static std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void expect_refused(const XtensaSimcall::Outcome& o, std::uint32_t err, const std::string& what) {
    EXPECT_EQ(o.a2, kFail) << what;
    EXPECT_EQ(o.a3, err) << what;
  }

  Scheduler sched_;
  Bus bus_;
  XtensaSimcall sim_;
  std::string console_;
  fs::path base_, root_;
};

TEST_F(SimcallTest, ConsoleAndExitNeedNoPermission) {
  auto o = write(1, "hello");
  EXPECT_EQ(o.a2, 5u);
  EXPECT_EQ(o.a3, 0u);
  write(2, "err");
  EXPECT_EQ(console_, "1:hello2:err");
  EXPECT_EQ(call(kExit, 0x1234).exit_code, 0x34);
  EXPECT_FALSE(sim_.files_allowed());
}

TEST_F(SimcallTest, WithoutAFileRootNoHostFileIsReachable) {
  std::ofstream(root_ / "data.txt") << "secret";
  expect_refused(open((root_ / "data.txt").string(), kORdonly), XtensaSimcall::kEACCES, "absolute path");
  expect_refused(open("data.txt", kORdonly), XtensaSimcall::kEACCES, "relative path");
  expect_refused(open("new.txt", kOWronly | kOCreat), XtensaSimcall::kEACCES, "create");
  EXPECT_FALSE(fs::exists("new.txt"));
  EXPECT_EQ(sim_.open_files(), 0u);
}

// The emulator's own descriptors (its firmware file, sockets, a flash backing file) are not the
// guest's: numbers the guest did not get from open are EBADF for every call.
TEST_F(SimcallTest, HostDescriptorsTheGuestDidNotOpenAreBadDescriptors) {
  fs::path victim = base_ / "victim.txt";
  std::ofstream(victim) << "keep";
  int host = ::open(victim.c_str(), O_RDWR);
  ASSERT_GE(host, 3);
  sim_.set_file_root(root_.string());  // even with files allowed
  for (std::uint32_t fd : {static_cast<std::uint32_t>(host), 3u, 100u, 0x7FFFFFFFu}) {
    expect_refused(write(fd, "overwritten"), XtensaSimcall::kEBADF, "write " + std::to_string(fd));
    XtensaSimcall::Outcome r;
    read(fd, 4, &r);
    expect_refused(r, XtensaSimcall::kEBADF, "read");
    expect_refused(call(kLseek, fd, 0, 0), XtensaSimcall::kEBADF, "lseek");
    expect_refused(call(kClose, fd), XtensaSimcall::kEBADF, "close");
  }
  EXPECT_EQ(slurp(victim), "keep");
  EXPECT_NE(::fcntl(host, F_GETFD), -1) << "the guest closed a host descriptor";
  ::close(host);
}

TEST_F(SimcallTest, FilesInsideTheRootWork) {
  std::ofstream(root_ / "sub" / "in.txt") << "0123456789";
  sim_.set_file_root(root_.string());
  auto o = open("sub/in.txt", kORdonly);
  ASSERT_EQ(o.a3, 0u);
  std::uint32_t fd = o.a2;
  EXPECT_EQ(fd, 3u);  // the guest's own numbering
  EXPECT_EQ(read(fd, 4), "0123");
  EXPECT_EQ(call(kLseek, fd, 8, 0).a2, 8u);  // SEEK_SET
  EXPECT_EQ(read(fd, 10), "89");
  EXPECT_EQ(call(kClose, fd).a2, 0u);
  expect_refused(call(kClose, fd), XtensaSimcall::kEBADF, "closed twice");

  // newlib's O_CREAT|O_TRUNC|O_WRONLY (0x601) creates the file, as the guest meant.
  o = open("./out.txt", kOWronly | kOCreat | kOTrunc);
  ASSERT_EQ(o.a3, 0u);
  EXPECT_EQ(write(o.a2, "abc").a2, 3u);
  call(kClose, o.a2);
  o = open("out.txt", kOWronly | kOAppend);
  write(o.a2, "def");
  call(kClose, o.a2);
  EXPECT_EQ(slurp(root_ / "out.txt"), "abcdef");
  o = open("out.txt", kORdwr);
  EXPECT_EQ(read(o.a2, 100), "abcdef");
  EXPECT_EQ(sim_.open_files(), 1u);
}

TEST_F(SimcallTest, NothingOutsideTheRootIsReached) {
  std::ofstream(base_ / "outside.txt") << "outside";
  fs::create_symlink(base_ / "outside.txt", root_ / "link.txt");
  fs::create_directory_symlink(base_, root_ / "linkdir");
  sim_.set_file_root(root_.string());
  expect_refused(open((base_ / "outside.txt").string(), kORdonly), XtensaSimcall::kEACCES, "absolute");
  expect_refused(open("../outside.txt", kORdonly), XtensaSimcall::kEACCES, "..");
  expect_refused(open("sub/../../outside.txt", kORdonly), XtensaSimcall::kEACCES, "sub/../..");
  expect_refused(open("sub/..", kORdonly), XtensaSimcall::kEACCES, "sub/..");
  expect_refused(open("link.txt", kORdonly), kELOOP, "symlink to a file outside");
  // Linux answers O_DIRECTORY|O_NOFOLLOW on a symbolic link with ENOTDIR (20 for newlib too).
  expect_refused(open("linkdir/outside.txt", kORdonly), kENOTDIR, "symlinked directory");
  expect_refused(open("", kORdonly), XtensaSimcall::kENOENT, "empty");
  expect_refused(open(".", kORdonly), XtensaSimcall::kEACCES, "the root itself");
  expect_refused(open("sub", kORdonly), XtensaSimcall::kEACCES, "a directory");
  expect_refused(open("missing/x.txt", kOWronly | kOCreat), XtensaSimcall::kENOENT, "missing directory");
  expect_refused(open("x.txt", 3), XtensaSimcall::kEINVAL, "access mode 3");
  expect_refused(open("x.txt", kORdonly | 0x10000), XtensaSimcall::kEINVAL, "unknown flag");
  EXPECT_EQ(slurp(base_ / "outside.txt"), "outside");
  EXPECT_EQ(sim_.open_files(), 0u);
}

TEST_F(SimcallTest, AFifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((root_ / "pipe").c_str(), 0600), 0);
  sim_.set_file_root(root_.string());
  expect_refused(open("pipe", kORdonly), XtensaSimcall::kEACCES, "FIFO");
}

TEST_F(SimcallTest, OpenFilesAreBounded) {
  std::ofstream(root_ / "f") << "x";
  sim_.set_file_root(root_.string());
  for (std::size_t i = 0; i < XtensaSimcall::kMaxOpenFiles; ++i) ASSERT_EQ(open("f", kORdonly).a3, 0u) << i;
  expect_refused(open("f", kORdonly), XtensaSimcall::kEMFILE, "one too many");
  call(kClose, 10);
  auto o = open("f", kORdonly);
  EXPECT_EQ(o.a2, 10u);  // the lowest free number is reused
}

TEST_F(SimcallTest, FileRootMustBeADirectory) {
  EXPECT_THROW(sim_.set_file_root((base_ / "missing").string()), std::invalid_argument);
  std::ofstream(base_ / "file") << "x";
  EXPECT_THROW(sim_.set_file_root((base_ / "file").string()), std::invalid_argument);
  EXPECT_FALSE(sim_.files_allowed());
}

}  // namespace
}  // namespace boardemu::xtensa
