// Conformance: the kernel log (MACHINE_DMESG, 67) and a domain's console buffer
// (DOMAIN_CONSOLE_READ, 58) — the same offset rules, rights, pointer checks and lifetimes.
#include <string>

#include "domain/console_buffer.hpp"
#include "fixture.hpp"
#include "lib/log.hpp"

using namespace bhtest;

namespace {

constexpr bh_slot_t kChild = 8;   // the supervisor's Domain cap to the child that writes
constexpr vaddr_t kBuf = kScratch;                  // supervisor: two writable pages
constexpr vaddr_t kReadOnly = kScratch + 0x2000;    // supervisor: one read-only page
constexpr vaddr_t kText = kScratch;                 // child: where it puts its lines

// One of the two readable logs, as the supervisor reads it.
struct Source {
    const char* name;
    uint64_t nr;
    bh_slot_t slot;                                // the cap the supervisor reads through
    const bh::LogRing& (*ring)(Domain& writer);
    std::string (*line)(const std::string& text);  // what one CONSOLE_WRITE adds to it
};

const Source kDmesg{"dmesg", BH_CALL_MACHINE_DMESG, BH_SLOT_MACHINE,
                    [](Domain&) -> const bh::LogRing& { return bh::kernel_log(); },
                    [](const std::string& t) { return "[good] " + t + "\n"; }};
const Source kConsole{"console", BH_CALL_DOMAIN_CONSOLE_READ, kChild,
                      [](Domain& w) -> const bh::LogRing& { return w.console; },
                      [](const std::string& t) { return t + "\n"; }};

struct Got {
    Error err;
    uint64_t count;
    uint64_t next;
    std::string bytes;
};

class LogFixture : public Fixture {
public:
    LogFixture() : writer(child(kChild)) {
        map_page(sup(), kBuf);
        map_page(sup(), kBuf + bh::kPageSize);
        map_page(sup(), kReadOnly, false);
        map_page(writer, kText);
    }

    // The child writes one console line (≤ 256 printable bytes).
    void say(const std::string& text) {
        poke(writer, kText, text.data(), text.size());
        REQUIRE_OK(writer, BH_CALL_CONSOLE_WRITE, kText, text.size());
    }
    // Lines of 200 bytes until at least `bytes` have gone into both logs; returns what the
    // source's ring gained, in order.
    std::string say_lots(const Source& s, size_t bytes) {
        std::string added;
        for (int i = 0; added.size() < bytes; ++i) {
            std::string t = "line " + std::to_string(i) + " ";
            t.append(200 - t.size(), static_cast<char>('a' + i % 26));
            say(t);
            added += s.line(t);
        }
        return added;
    }

    Got read_log(const Source& s, uint64_t offset, uint64_t len, vaddr_t dst = kBuf) {
        CallResult r = call(sup(), s.nr, s.slot, offset, dst, len);
        Got g{r.err, r.out.r1, r.out.r2, {}};
        if (r.err == Error::None && r.out.r1 != 0 && r.out.r1 <= 2 * bh::kPageSize) {
            g.bytes.resize(r.out.r1);
            peek(sup(), dst, g.bytes.data(), g.bytes.size());
        }
        return g;
    }

    const bh::LogRing& ring(const Source& s) { return s.ring(writer); }

    Domain& writer;
};

}  // namespace

TEST_CASE_METHOD(LogFixture, "Log reads return the lines written since an offset and the offset after them", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    const uint32_t mark = ring(s).end();
    say("hello, world");
    say("second\tline");  // control characters are replaced, as on the serial console
    const std::string want = s.line("hello, world") + s.line("second?line");
    Got g = read_log(s, mark, 4096);
    REQUIRE(g.err == Error::None);
    CHECK(g.bytes == want);
    CHECK(g.count == want.size());
    CHECK(g.next == mark + want.size());
    // Following the returned offset: nothing new yet, and the offset stays put.
    g = read_log(s, g.next, 4096);
    CHECK(g.err == Error::None);
    CHECK(g.count == 0);
    CHECK(g.next == mark + want.size());
    // A read shorter than what is there returns a prefix and where the rest starts.
    g = read_log(s, mark, 5);
    CHECK(g.bytes == want.substr(0, 5));
    CHECK(g.next == mark + 5);
}

TEST_CASE_METHOD(LogFixture, "A domain's console buffer starts at offset 0 and holds only its own text", "[logs]") {
    CHECK(read_log(kConsole, 0, 4096).count == 0);
    say("mine");
    REQUIRE_OK(sup(), BH_CALL_CONSOLE_WRITE, kBuf, 0);  // the supervisor's line is not the child's
    Got g = read_log(kConsole, 0, 4096);
    CHECK(g.bytes == "mine\n");
    CHECK(g.next == 5);
    // The child reads its own buffer through the read-only cap to itself.
    map_page(writer, kText + bh::kPageSize);
    const vaddr_t own = kText + bh::kPageSize;
    auto out = REQUIRE_OK(writer, BH_CALL_DOMAIN_CONSOLE_READ, BH_SLOT_SELF, 0, own, 100);
    CHECK(out.r1 == 5);
    CHECK(out.r2 == 5);
    CHECK(read<char>(writer, own) == 'm');
}

TEST_CASE_METHOD(LogFixture, "The kernel log holds the kernel's own lines too", "[logs]") {
    const uint32_t mark = bh::kernel_log().end();
    bh::klog("BH-TEST kernel line %d", 42);
    Got g = read_log(kDmesg, mark, 4096);
    CHECK(g.bytes == "BH-TEST kernel line 42\n");
    // It is what the serial console printed, byte for byte.
    const std::string& serial = platform_log().klog;
    CHECK(serial.substr(serial.size() - g.bytes.size()) == g.bytes);
}

TEST_CASE_METHOD(LogFixture, "A log read copies at most 4096 bytes, however long the buffer", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    const uint32_t mark = ring(s).end();
    const std::string added = say_lots(s, 6000);
    Got g = read_log(s, mark, 1ull << 40);
    REQUIRE(g.err == Error::None);
    CHECK(g.count == bh::kLogReadMax);
    const uint32_t start = static_cast<uint32_t>(g.next - g.count);
    CHECK(start == (s.nr == BH_CALL_MACHINE_DMESG ? mark : ring(s).oldest()));
    CHECK(g.bytes == added.substr(start - mark, bh::kLogReadMax));
}

TEST_CASE_METHOD(LogFixture, "A log that wrapped keeps its newest bytes; an older offset reads from the oldest", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    const uint32_t size =
        s.nr == BH_CALL_MACHINE_DMESG ? bh::kKernelLogSize : bh::kConsoleBufferSize;
    const uint32_t mark = ring(s).end();
    const std::string added = say_lots(s, size + size / 4);
    REQUIRE(ring(s).end() == mark + added.size());
    // Reading from where we started: the bytes start later, at the oldest still held.
    Got g = read_log(s, mark, 4096);
    REQUIRE(g.err == Error::None);
    const uint32_t oldest = ring(s).end() - size;
    CHECK(g.next - g.count == oldest);
    // Following the offsets returns exactly the last `size` bytes written, then nothing.
    std::string all;
    uint64_t off = mark;
    for (int i = 0; i < 64; ++i) {
        g = read_log(s, off, 4096);
        REQUIRE(g.err == Error::None);
        if (g.count == 0) break;
        all += g.bytes;
        off = g.next;
    }
    CHECK(off == ring(s).end());
    CHECK(all.size() == size);
    CHECK(all == added.substr(added.size() - size));
}

TEST_CASE_METHOD(LogFixture, "A log read at a future offset copies nothing and returns the end", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    say("something");
    const uint32_t end = ring(s).end();
    for (uint64_t ahead : {1ull, 4096ull, 0x7fffffffull}) {
        INFO("ahead " << ahead);
        const World before = world();
        Got g = read_log(s, static_cast<uint32_t>(end + ahead), 4096);
        CHECK(g.err == Error::None);
        CHECK(g.count == 0);
        CHECK(g.next == end);
        CHECK(diff(before, world()) == "");
    }
}

TEST_CASE_METHOD(LogFixture, "A log read of length 0 copies nothing, checks no pointer, says where it would start", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    say_lots(s, 5000);
    const uint32_t end = ring(s).end();
    const World before = world();
    for (vaddr_t p : {kBuf, kKernelPtr, kUnmapped}) {
        INFO("pointer " << std::hex << p);
        Got g = read_log(s, end - 10, 0, p);
        CHECK(g.err == Error::None);
        CHECK(g.count == 0);
        CHECK(g.next == end - 10);
        CHECK(read_log(s, end + 5, 0, p).next == end);
        CHECK(read_log(s, ring(s).oldest() - 1, 0, p).next == ring(s).oldest());
    }
    CHECK(diff(before, world()) == "");
}

TEST_CASE_METHOD(LogFixture, "A log read rejects kernel, non-canonical, unmapped and read-only destinations", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    say("some text to copy");
    const uint32_t from = ring(s).oldest();
    const uint32_t end = ring(s).end();
    for (vaddr_t p : std::initializer_list<vaddr_t>{kKernelPtr, kNonCanonical, kHighNonCanonical,
                      kUserTop - 8, kUnmapped, kReadOnly,
                      kBuf + 2 * bh::kPageSize - 8 /* runs into the read-only page */,
                      ~0ull}) {
        INFO("pointer " << std::hex << p);
        CHECK_REJECTS(Error::BadAddress, sup(), s.nr, s.slot, from, p, 16);
    }
    // The whole asked-for range is checked, even where the log has fewer bytes to give.
    CHECK_REJECTS(Error::BadAddress, sup(), s.nr, s.slot, end, kBuf + bh::kPageSize + 100, 4096);
    CHECK(ring(s).end() == end);
}

TEST_CASE_METHOD(LogFixture, "A log read refuses an offset wider than 32 bits", "[logs]") {
    const Source s = GENERATE(kDmesg, kConsole);
    INFO(s.name);
    CHECK_REJECTS(Error::BadArg, sup(), s.nr, s.slot, kTooWide, kBuf, 16);
    CHECK_REJECTS(Error::BadArg, sup(), s.nr, s.slot, ~0ull, kBuf, 16);
}

TEST_CASE_METHOD(LogFixture, "MachineDmesg needs a Machine capability with the read right", "[logs]") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, BH_SLOT_MACHINE, 20, BH_R_CONTROL | BH_R_GRANT);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_MACHINE_DMESG, 20, 0, kBuf, 16);
    CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_MACHINE_DMESG, kChild, 0, kBuf, 16);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_MACHINE_DMESG, 21, 0, kBuf, 16);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_MACHINE_DMESG, 64, 0, kBuf, 16);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_MACHINE_DMESG, kTooWide, 0, kBuf, 16);
    // A domain without the Machine cannot read the kernel log through anything it holds.
    for (bh_slot_t slot = 0; slot < 64; ++slot) {
        INFO("slot " << slot);
        CHECK(call(writer, BH_CALL_MACHINE_DMESG, slot, 0, kText, 16).err != Error::None);
    }
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, BH_SLOT_MACHINE, 22, BH_R_READ);
    Source read_only = kDmesg;
    read_only.slot = 22;
    CHECK(read_log(read_only, 0, 16).err == Error::None);
}

TEST_CASE_METHOD(LogFixture, "DomainConsoleRead needs a Domain capability with the read right", "[logs]") {
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kChild, 20, BH_R_CONTROL | BH_R_GRANT);
    CHECK_REJECTS(Error::NoRights, sup(), BH_CALL_DOMAIN_CONSOLE_READ, 20, 0, kBuf, 16);
    for (uint64_t other : {BH_SLOT_MACHINE, BH_SLOT_GNTTAB})
        CHECK_REJECTS(Error::WrongType, sup(), BH_CALL_DOMAIN_CONSOLE_READ, other, 0, kBuf, 16);
    CHECK_REJECTS(Error::EmptySlot, sup(), BH_CALL_DOMAIN_CONSOLE_READ, 21, 0, kBuf, 16);
    CHECK_REJECTS(Error::BadSlot, sup(), BH_CALL_DOMAIN_CONSOLE_READ, 64, 0, kBuf, 16);
    CHECK_REJECTS(Error::BadArg, sup(), BH_CALL_DOMAIN_CONSOLE_READ, kTooWide, 0, kBuf, 16);
    REQUIRE_OK(sup(), BH_CALL_CAP_COPY, kChild, 22, BH_R_READ);
    say("readable");
    CHECK(REQUIRE_OK(sup(), BH_CALL_DOMAIN_CONSOLE_READ, 22, 0, kBuf, 100).r1 == 9);
}

TEST_CASE_METHOD(LogFixture, "A faulted or exited domain's console stays readable until it is destroyed", "[logs]") {
    const bool faulted = GENERATE(true, false);
    INFO((faulted ? "faulted" : "exited"));
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_START, kChild, 0, 0);
    say("last words");
    if (faulted) fault(writer);
    else REQUIRE_OK(writer, BH_CALL_EXIT, 3);
    REQUIRE(writer.state == (faulted ? BH_DOM_FAULTED : BH_DOM_EXITED));
    Got g = read_log(kConsole, 0, 4096);
    CHECK(g.err == Error::None);
    CHECK(g.bytes == "last words\n");
    // Destroy frees the buffer and returns its page to the domain's quota; the cap that
    // remains reads nothing.
    const uint64_t used = writer.quota.used();
    REQUIRE_OK(sup(), BH_CALL_DOMAIN_DESTROY, kChild);
    CHECK(writer.console.storage() == nullptr);
    CHECK(writer.quota.used() == used - bh::kConsoleBufferSize);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_CONSOLE_READ, kChild, 0, kBuf, 16);
    CHECK_REJECTS(Error::Dead, sup(), BH_CALL_DOMAIN_CONSOLE_READ, kChild, 0, kBuf, 0);
}

TEST_CASE_METHOD(LogFixture, "Each domain's console buffer is a page charged to its own quota", "[logs]") {
    CHECK(writer.console.size() == bh::kConsoleBufferSize);
    REQUIRE(writer.console.storage() != nullptr);
    const uint64_t used = writer.quota.used();
    const uint64_t sup_used = sup().quota.used();
    bh::console_buffer_release(writer);
    CHECK(writer.quota.used() == used - bh::kConsoleBufferSize);
    CHECK(sup().quota.used() == sup_used);
    // Without a page of quota left the buffer cannot be made (so neither can the domain).
    fill_quota(writer, bh::kConsoleBufferSize - 1);
    CHECK(bh::console_buffer_init(writer).error() == Error::Quota);
    CHECK(writer.console.storage() == nullptr);
    writer.quota.release(1);
    REQUIRE(bh::console_buffer_init(writer).ok());
    CHECK(writer.quota.used() == writer.quota.limit());
    say("after");
    CHECK(read_log(kConsole, 0, 100).bytes == "after\n");
}
