// Transaction: a private overlay of the tree plus the generations it was based on.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string_view>

#include "bh/ds/vec.hpp"
#include "core/event.hpp"
#include "core/node.hpp"
#include "core/quota.hpp"
#include "core/tree.hpp"

namespace bh::xs {

inline constexpr uint8_t kTxRead = 1;
inline constexpr uint8_t kTxWritten = 2;

// One node the transaction has touched. base_gen is the tree's generation of the node when the
// transaction first touched it (0: it did not exist). Once written, copy is the transaction's
// version of the node, or nullptr if the transaction deleted it.
struct TxNode {
    ds::Bytes path;
    Node* copy = nullptr;
    uint64_t base_gen = 0;
    uint8_t access = 0;

    TxNode() = default;
    TxNode(TxNode&& o) noexcept;
    TxNode& operator=(TxNode&& o) noexcept;
    ~TxNode();
    bool written() const { return (access & kTxWritten) != 0; }
};

// Invariants: nodes is sorted by path without duplicates; every written node's parent in the
// transaction's view lists it (the tree stays consistent once the overlay is applied); events
// are the watch events to fire on commit, in order. failed is set when an operation stopped
// half-way, and makes the commit answer EAGAIN.
class Transaction {
public:
    explicit Transaction(uint32_t id) : id_(id) {}

    uint32_t id() const { return id_; }
    bool failed() const { return failed_; }
    void fail() { failed_ = true; }
    int64_t own_delta() const { return own_delta_; }
    void add_own_delta(int64_t d) { own_delta_ += d; }
    // Memory the transaction holds: its records (path + kRecordOverhead each) and the
    // `charged` of its copies. Db keeps it current; counted in its domain's memory quota.
    uint64_t bytes() const { return bytes_; }
    void add_bytes(int64_t d) { bytes_ = static_cast<uint64_t>(static_cast<int64_t>(bytes_) + d); }
    // What bytes() should be, counted from scratch (Store::check, state load).
    uint64_t count_bytes() const;
    static constexpr uint32_t kRecordOverhead = 48;
    ds::Vec<TxNode>& nodes() { return nodes_; }
    const ds::Vec<TxNode>& nodes() const { return nodes_; }
    ds::Vec<Event>& events() { return events_; }
    const ds::Vec<Event>& events() const { return events_; }

    TxNode* find(std::string_view path);
    // Finds or starts the record of path (base_gen from tree). NoSpc past `limit` records.
    [[nodiscard]] XsErr track(std::string_view path, const Tree& tree, uint32_t limit,
                              TxNode** out);
    // Index range of the records strictly below path.
    void below(std::string_view path, size_t* first, size_t* last) const;

    // Checks for conflicts (Again), the node quota of domid (NoSpc) and memory (NoMem), then
    // applies every written record to the tree atomically. The records are consumed.
    [[nodiscard]] XsErr commit(Tree& tree, Quota& quota, const Limits& limits, uint16_t domid,
                               bool privileged);

    // Whether applying the overlay now would leave the tree consistent: every written node's
    // parent (in this view) lists it exactly when it exists, and every child either version
    // lists exists exactly when the new version lists it. Commit refuses (EAGAIN) otherwise,
    // so not even a corrupt restored transaction can damage the tree.
    bool consistent(const Tree& tree);

    // For state restore: appends a record that must sort after the existing ones.
    [[nodiscard]] bool restore_node(TxNode&& n);
    void set_own_delta(int64_t d) { own_delta_ = d; }
    void set_failed(bool f) { failed_ = f; }

private:
    size_t lower_bound(std::string_view path) const;
    const Node* view(const Tree& tree, std::string_view path);

    uint32_t id_;
    bool failed_ = false;
    int64_t own_delta_ = 0;  // change this transaction makes to its domain's node count
    uint64_t bytes_ = 0;
    ds::Vec<TxNode> nodes_;
    ds::Vec<Event> events_;
};

}  // namespace bh::xs
