// Db: one request's view of the store — the tree itself, or the tree through a transaction.
#pragma once

#include <stdint.h>

#include <string_view>

#include "core/error.hpp"
#include "core/quota.hpp"
#include "core/transaction.hpp"
#include "core/tree.hpp"

namespace bh::xs {

// Who is asking: node creation, quotas and permission checks depend on it.
struct Caller {
    uint16_t domid;
    bool privileged;
};

// Without a transaction, changes go straight to the tree (generations bumped, quotas charged).
// With one, reads record the generation they saw and writes go to the transaction's private
// copies; nothing reaches the tree before commit. Every mutating call either completes or
// leaves the view consistent; in a transaction a half-done call marks it failed.
class Db {
public:
    Db(Tree& tree, Quota& quota, const Limits& limits, Transaction* tx, Caller caller)
        : tree_(tree), quota_(quota), limits_(limits), tx_(tx), caller_(caller) {}

    Transaction* tx() const { return tx_; }
    const Caller& caller() const { return caller_; }

    // The node at path as this view sees it (nullptr: absent). Errors only from recording the
    // read in a transaction (NoMem, NoSpc).
    [[nodiscard]] XsErr get(std::string_view path, const Node** out);
    // The same, writable; the caller calls changed() after modifying it.
    [[nodiscard]] XsErr get_mut(std::string_view path, Node** out);
    void changed(Node* n);

    // Creates path and its missing ancestors (which must not include "/"). New nodes take the
    // permissions of their parent, with the caller as owner unless it is privileged.
    // NoSpc when the caller's node quota would be exceeded.
    [[nodiscard]] XsErr create(std::string_view path, std::string_view value, Node** out);
    // Removes the existing node at path (not "/") and everything below it.
    [[nodiscard]] XsErr remove(std::string_view path);
    // Replaces n's permissions (n from get_mut), keeping the owners' node counts right.
    [[nodiscard]] XsErr set_perms(Node* n, Perms&& perms);

    // Permissions of the nearest existing ancestor of path (for error masking, events).
    [[nodiscard]] XsErr ancestor_perms(std::string_view path, const Perms** out);

private:
    // The node in this view without recording a transaction read.
    const Node* peek(std::string_view path) const;
    // The deepest proper ancestor of path that exists in this view ("/" at least).
    std::string_view deepest_ancestor(std::string_view path) const;
    XsErr create_one(std::string_view path, Node* parent, Node** out);
    // Brings n's `charged` up to its footprint, charging the difference to its owner (a tree
    // node) or to the transaction (a transaction's copy); uncharge() gives it all back.
    void charge(Node* n);
    void uncharge(Node* n);
    XsErr remove_tx(std::string_view path);
    uint16_t new_owner(const Node& parent) const;

    Tree& tree_;
    Quota& quota_;
    const Limits& limits_;
    Transaction* tx_;
    Caller caller_;
};

}  // namespace bh::xs
