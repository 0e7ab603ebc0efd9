// Tests of IntrusiveList: FIFO order, O(1) removal anywhere, misuse ignored.
#include <catch2/catch.hpp>

#include <vector>

#include "sched/intrusive_list.hpp"

using bh::IntrusiveList;
using bh::ListLink;

namespace {

struct Node {
    int id;
    ListLink<Node> a;
    ListLink<Node> b;
};
using ListA = IntrusiveList<Node, &Node::a>;
using ListB = IntrusiveList<Node, &Node::b>;

// Walks forward and backward and checks both directions agree with size().
template <class List>
std::vector<int> contents(const List& l) {
    std::vector<int> ids;
    for (Node* n = l.front(); n; n = List::next(*n)) ids.push_back(n->id);
    REQUIRE(ids.size() == l.size());
    REQUIRE(l.empty() == ids.empty());
    return ids;
}

}  // namespace

TEST_CASE("IntrusiveList keeps FIFO order and pops from the front", "[list]") {
    Node n[3] = {{1, {}, {}}, {2, {}, {}}, {3, {}, {}}};
    ListA l;
    CHECK(l.empty());
    CHECK(l.pop_front() == nullptr);
    for (Node& x : n) l.push_back(x);
    CHECK(contents(l) == std::vector<int>{1, 2, 3});
    CHECK(l.pop_front() == &n[0]);
    CHECK_FALSE(ListA::linked(n[0]));
    CHECK(contents(l) == std::vector<int>{2, 3});
    l.push_back(n[0]);
    CHECK(contents(l) == std::vector<int>{2, 3, 1});
}

TEST_CASE("IntrusiveList removes from the middle, head and tail", "[list]") {
    Node n[4] = {{1, {}, {}}, {2, {}, {}}, {3, {}, {}}, {4, {}, {}}};
    ListA l;
    for (Node& x : n) l.push_back(x);
    l.remove(n[1]);
    CHECK(contents(l) == std::vector<int>{1, 3, 4});
    l.remove(n[0]);
    CHECK(contents(l) == std::vector<int>{3, 4});
    l.remove(n[3]);
    CHECK(contents(l) == std::vector<int>{3});
    l.remove(n[2]);
    CHECK(contents(l).empty());
    l.push_back(n[3]);  // reusable after emptying: head and tail were reset
    CHECK(contents(l) == std::vector<int>{4});
}

TEST_CASE("IntrusiveList ignores a double push and a remove of an unlinked element", "[list]") {
    Node n[2] = {{1, {}, {}}, {2, {}, {}}};
    ListA l;
    l.push_back(n[0]);
    l.push_back(n[0]);
    CHECK(contents(l) == std::vector<int>{1});
    l.remove(n[1]);
    CHECK(contents(l) == std::vector<int>{1});
}

TEST_CASE("IntrusiveList: one element sits on two lists through two links", "[list]") {
    Node n[2] = {{1, {}, {}}, {2, {}, {}}};
    ListA la;
    ListB lb;
    la.push_back(n[0]);
    la.push_back(n[1]);
    lb.push_back(n[1]);
    lb.push_back(n[0]);
    la.remove(n[0]);
    CHECK(contents(la) == std::vector<int>{2});
    CHECK(contents(lb) == std::vector<int>{2, 1});
}
