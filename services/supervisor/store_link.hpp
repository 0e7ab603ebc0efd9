// The supervisor and the store domain: starting the store with its state area, connecting to it
// as the privileged (dom0) client, and introducing every client domain the way Xen's toolstack
// does (its /local/domain/<id> directory, then INTRODUCE with the ring page and port).
#pragma once

#include <stdint.h>

#include <bh/xenbus/xs_client.hpp>

#include "children.hpp"
#include "scenario.hpp"

namespace sup {

// Before the store's first start: our port for it (BH_SLOT_XENSTORE), the state frames, our
// ring page. False (reported) on failure.
bool store_prepare(uint32_t store_index);
// After every build of the store domain (first or restart): hands it the state frames.
bool store_give_state(uint32_t store_index);
// For a client built but not started: its port for the store, its directory, INTRODUCE.
bool store_introduce(uint32_t client_index);
// The toolstack's own nodes: /local/domain/0 (name, domid) as Xen's dom0 has, and /test, which
// every domain may read and write below (test scenarios share nodes there).
bool store_seed();
// Both xenstore halves of every virtual disk (frontend device/vbd, backend backend/vbd), after
// the domains are introduced and before they start. False (reported) on failure.
bool store_vbds(const Scenario& s);
// The same for every virtual interface (frontend device/vif, backend backend/vif).
bool store_vifs(const Scenario& s);
int32_t store_index();  // -1 if this scenario has no store
// Our privileged connection to the store (control requests use it); nullptr without a store.
bh::xenbus::XsClient* store_client();
// After the store is destroyed: frees our ring page, port and the state area.
void store_teardown();
// Ports that fired while we waited for the store's replies: the main loop takes these first.
bh_port_t store_take_other();

}  // namespace sup
