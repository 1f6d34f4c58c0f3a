// RISC-V PLIC: RISC-V Platform-Level Interrupt Controller Specification v1.0.0. See
// riscv_plic.hpp for what is modelled.
#include "intc/riscv_plic.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "core/params.hpp"
#include "core/log.hpp"

namespace boardemu {

namespace {

// The register blocks of the spec's memory map. Which block an offset falls in, and which
// register of the block, is plain arithmetic on these ranges.
enum class Block { kNone, kPriority, kPending, kEnable, kThreshold, kClaimComplete };
constexpr const char* block_name(Block b) {
  switch (b) {
    case Block::kPriority: return "priority";
    case Block::kPending: return "pending";
    case Block::kEnable: return "enable";
    case Block::kThreshold: return "threshold";
    case Block::kClaimComplete: return "claim/complete";
    default: return "reserved";
  }
}

struct Decoded {
  Block block = Block::kNone;
  unsigned context = 0;
  unsigned index = 0;  // the source ID (priority) or the word of bits (pending, enable)
};

}  // namespace

RiscvPlic::Params RiscvPlic::parse_params(const std::map<std::string, std::string>& params) {
  ParamReader r("riscv-plic", params);
  Params p;
  p.num_sources = static_cast<unsigned>(r.uint("num_sources", p.num_sources, 0, ~0u));
  p.num_contexts = static_cast<unsigned>(r.uint("num_contexts", p.num_contexts, 0, ~0u));
  p.priority_bits = static_cast<unsigned>(r.uint("priority_bits", p.priority_bits, 0, ~0u));
  p.claim_honours_threshold = r.boolean("claim_honours_threshold", p.claim_honours_threshold);
  r.finish();
  return p;
}

RiscvPlic::RiscvPlic(std::string name) : RiscvPlic(std::move(name), Params{}) {}

RiscvPlic::RiscvPlic(std::string name, Params params)
    : Device(std::move(name)),
      num_sources_(params.num_sources),
      num_contexts_(params.num_contexts),
      words_((params.num_sources + 31) / 32),
      priority_mask_(params.priority_bits >= 32 ? 0xFFFFFFFFu
                                                : (1u << params.priority_bits) - 1),
      claim_honours_threshold_(params.claim_honours_threshold) {
  if (num_sources_ < 2 || num_sources_ > kMaxIds)
    throw std::invalid_argument("riscv-plic: num_sources must be 2..1024 (interrupt IDs "
                                "including the reserved ID 0), got " +
                                std::to_string(num_sources_));
  if (num_contexts_ < 1 || num_contexts_ > kMaxContexts)
    throw std::invalid_argument("riscv-plic: num_contexts must be 1..15872, got " +
                                std::to_string(num_contexts_));
  if (params.priority_bits < 1 || params.priority_bits > 32)
    throw std::invalid_argument("riscv-plic: priority_bits must be 1..32, got " +
                                std::to_string(params.priority_bits));
  priority_.assign(num_sources_, 0);
  threshold_.assign(num_contexts_, 0);
  enable_.assign(std::size_t{num_contexts_} * words_, 0);
  pending_.assign(words_, 0);
  in_service_.assign(words_, 0);
  level_.assign(words_, 0);
  eip_.resize(num_contexts_);
  reset();
}

void RiscvPlic::reset() {
  std::fill(priority_.begin(), priority_.end(), 0);
  std::fill(threshold_.begin(), threshold_.end(), 0);
  std::fill(enable_.begin(), enable_.end(), 0);
  std::fill(in_service_.begin(), in_service_.end(), 0);
  // The inputs belong to the devices, not to the PLIC: an input still asserted is a new
  // request to a freshly reset gateway.
  pending_ = level_;
  update_outputs();
}

IrqLine* RiscvPlic::irq(std::string_view output) {
  if (output == "meip") return &eip_[0];
  if (output == "seip") return num_contexts_ > 1 ? &eip_[1] : nullptr;
  constexpr std::string_view kPrefix = "context";
  if (output.substr(0, kPrefix.size()) == kPrefix && output.size() > kPrefix.size()) {
    unsigned n = 0;
    for (char c : output.substr(kPrefix.size())) {
      if (c < '0' || c > '9' || n > kMaxContexts) return nullptr;
      n = n * 10 + static_cast<unsigned>(c - '0');
    }
    return n < num_contexts_ ? &eip_[n] : nullptr;
  }
  return nullptr;
}

// Bits of pending/enable word `word` that belong to existing sources: ID 0 is hardwired to 0,
// and so are IDs at or above num_sources.
std::uint32_t RiscvPlic::valid_bits(unsigned word) const {
  std::uint32_t bits = 0xFFFFFFFFu;
  if (word == 0) bits &= ~1u;
  unsigned first = word * 32;
  if (num_sources_ <= first) return 0;
  if (num_sources_ < first + 32) bits &= (1u << (num_sources_ - first)) - 1;
  return bits;
}

// ---- register decoding -------------------------------------------------------------------

static Decoded decode(std::uint32_t offset, unsigned num_sources, unsigned num_contexts,
                      unsigned words) {
  using P = RiscvPlic;
  Decoded d;
  if (offset < P::PENDING_BASE) {
    unsigned id = offset / 4;
    if (id != 0 && id < num_sources) d = {Block::kPriority, 0, id};
  } else if (offset < P::ENABLE_BASE) {
    unsigned word = (offset - P::PENDING_BASE) / 4;
    if (word < words) d = {Block::kPending, 0, word};
  } else if (offset < P::CONTEXT_BASE) {
    unsigned ctx = (offset - P::ENABLE_BASE) / P::ENABLE_STRIDE;
    unsigned word = (offset - P::ENABLE_BASE) % P::ENABLE_STRIDE / 4;
    if (ctx < num_contexts && word < words) d = {Block::kEnable, ctx, word};
  } else {
    unsigned ctx = (offset - P::CONTEXT_BASE) / P::CONTEXT_STRIDE;
    unsigned reg = (offset - P::CONTEXT_BASE) % P::CONTEXT_STRIDE;
    if (ctx < num_contexts && reg == P::THRESHOLD) d = {Block::kThreshold, ctx, 0};
    if (ctx < num_contexts && reg == P::CLAIM_COMPLETE) d = {Block::kClaimComplete, ctx, 0};
  }
  return d;
}

std::uint32_t RiscvPlic::read(std::uint32_t offset, unsigned size) {
  if (size != 4 || (offset & 3u)) {
    BE_LOG(guest_error, "{}: {}-byte read at 0x{:06x}: PLIC registers are 32-bit (read as 0)",
           name(), size, offset);
    return 0;
  }
  Decoded d = decode(offset, num_sources_, num_contexts_, words_);
  switch (d.block) {
    case Block::kPriority: return priority_[d.index];
    case Block::kPending: return pending_[d.index];
    case Block::kEnable: return enables(d.context)[d.index];
    case Block::kThreshold: return threshold_[d.context];
    case Block::kClaimComplete: return claim(d.context);
    case Block::kNone: break;
  }
  if (offset == PRIORITY_BASE)
    BE_LOG(guest_error, "{}: read of priority of interrupt ID 0, which does not exist", name());
  else
    BE_LOG(guest_error, "{}: read of unknown offset 0x{:06x}", name(), offset);
  return 0;
}

std::uint32_t RiscvPlic::peek(std::uint32_t offset, unsigned size) {
  if (size != 4 || (offset & 3u)) return 0;
  Decoded d = decode(offset, num_sources_, num_contexts_, words_);
  switch (d.block) {
    case Block::kPriority: return priority_[d.index];
    case Block::kPending: return pending_[d.index];
    case Block::kEnable: return enables(d.context)[d.index];
    case Block::kThreshold: return threshold_[d.context];
    case Block::kClaimComplete:  // the ID a claim would return, not claimed
      return d.context < num_contexts_ ? best_pending(d.context, claim_honours_threshold_ ? threshold_[d.context] : 0) : 0;
    case Block::kNone: break;
  }
  return 0;
}

void RiscvPlic::write(std::uint32_t offset, std::uint32_t value, unsigned size) {
  if (size != 4 || (offset & 3u)) {
    BE_LOG(guest_error, "{}: {}-byte write 0x{:x} at 0x{:06x} ignored: PLIC registers are 32-bit",
           name(), size, value, offset);
    return;
  }
  Decoded d = decode(offset, num_sources_, num_contexts_, words_);
  switch (d.block) {
    case Block::kPriority:
      priority_[d.index] = value & priority_mask_;  // WARL
      break;
    case Block::kPending:
      BE_LOG(guest_error, "{}: write 0x{:x} to read-only {} word {} ignored", name(), value,
             block_name(d.block), d.index);
      return;
    case Block::kEnable:
      enables(d.context)[d.index] = value & valid_bits(d.index);
      break;
    case Block::kThreshold:
      threshold_[d.context] = value & priority_mask_;  // WARL
      break;
    case Block::kClaimComplete:
      complete(d.context, value);
      return;
    case Block::kNone:
      BE_LOG(guest_error, "{}: write 0x{:x} to unknown offset 0x{:06x} ignored", name(), value,
             offset);
      return;
  }
  update_outputs();
}

// ---- gateways and core -------------------------------------------------------------------

void RiscvPlic::set_irq_level(unsigned source, bool level) {
  if (source == 0 || source >= num_sources_) return;
  bool rising = level && !test(level_, source);
  assign(level_, source, level);
  // A deasserted input leaves its request pending: the gateway cannot retract it.
  if (rising) gateway_request(source);
}

void RiscvPlic::gateway_request(unsigned id) {
  // At most one request per source in the core, and none while the previous one is in service.
  if (test(in_service_, id) || test(pending_, id)) return;
  assign(pending_, id, true);
  update_outputs();
}

unsigned RiscvPlic::best_pending(unsigned context, std::uint32_t floor) const {
  const std::uint32_t* en = enables(context);
  unsigned best = 0;
  std::uint32_t best_priority = floor;
  for (unsigned w = 0; w < words_; ++w) {
    std::uint32_t bits = pending_[w] & en[w];
    while (bits) {
      unsigned id = w * 32 + static_cast<unsigned>(__builtin_ctz(bits));
      bits &= bits - 1;
      // Strictly greater: on a tie the lower ID, seen first, keeps precedence.
      if (priority_[id] > best_priority) best = id, best_priority = priority_[id];
    }
  }
  return best;
}

bool RiscvPlic::eip(unsigned context) const {
  return context < num_contexts_ && best_pending(context, threshold_[context]) != 0;
}

std::uint32_t RiscvPlic::claim(unsigned context) {
  if (context >= num_contexts_) return 0;
  // Priority 0 means "never interrupt": such a source is never claimed.
  unsigned id = best_pending(context, claim_honours_threshold_ ? threshold_[context] : 0);
  if (id == 0) return 0;
  assign(pending_, id, false);
  assign(in_service_, id, true);
  update_outputs();
  return id;
}

void RiscvPlic::complete(unsigned context, std::uint32_t id) {
  if (context >= num_contexts_) return;
  if (id == 0 || id >= num_sources_) {
    BE_LOG(guest_error, "{}: completion of invalid interrupt ID {} on context {} ignored", name(),
           id, context);
    return;
  }
  if (!(enables(context)[id / 32] >> (id % 32) & 1)) {
    BE_LOG(guest_error,
           "{}: completion of interrupt ID {} on context {}, where it is not enabled, ignored",
           name(), id, context);
    return;
  }
  assign(in_service_, id, false);
  // The gateway is re-armed: a level still asserted becomes a new request.
  if (test(level_, id)) gateway_request(id);
  update_outputs();
}

void RiscvPlic::update_outputs() {
  for (unsigned c = 0; c < num_contexts_; ++c) eip_[c].set(eip(c));
}

void RiscvPlic::state(StateArchive& ar) {
  const std::size_t sources = priority_.size(), contexts = threshold_.size(), enables = enable_.size(),
                    words = pending_.size();
  ar.field("priority", priority_);
  ar.field("threshold", threshold_);
  ar.field("enable", enable_);
  ar.field("pending", pending_);
  ar.field("in_service", in_service_);
  ar.field("level", level_);
  if (ar.loading() && (priority_.size() != sources || threshold_.size() != contexts || enable_.size() != enables ||
                       pending_.size() != words || in_service_.size() != words || level_.size() != words))
    ar.bad("level", "the saved PLIC has another number of sources or contexts");
  for (IrqLine& l : eip_) l.state(ar);
}

}  // namespace boardemu
