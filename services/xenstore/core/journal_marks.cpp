// JournalMarks (see journal_marks.hpp).
#include "core/journal_marks.hpp"

namespace bh::xs {

void JournalMarks::remember(Store& s) {
    since_gen_ = s.tree().gen();
    s.journal_saved();
    marks_.clear();
    complete_ = marks_.reserve(s.connections().size());
    if (!complete_) return;
    for (const Connection* c : s.connections())
        (void)marks_.push_back(Mark{c->id(), c->changes(), c->watch_rewrites(), c->tx_changes(),
                                    c->watches().size()});
}

ConnScope JournalMarks::changed(const Connection& c, void* self) {
    auto* j = static_cast<const JournalMarks*>(self);
    const Mark* m = nullptr;
    for (const Mark& k : j->marks_)
        if (k.id == c.id()) m = &k;
    ConnScope s;
    if (!j->complete_ || m == nullptr) return s;  // new (or unknown): all of it
    if (m->changes == c.changes()) {
        s.skip = true;
        return s;
    }
    // Watches only ever append between rewrites, so the new ones are those past the mark.
    s.keep_watches = m->watch_rewrites == c.watch_rewrites() && m->nwatches <= c.watches().size();
    s.first_watch = s.keep_watches ? m->nwatches : 0;
    s.keep_transactions = m->tx_changes == c.tx_changes();
    return s;
}

}  // namespace bh::xs
