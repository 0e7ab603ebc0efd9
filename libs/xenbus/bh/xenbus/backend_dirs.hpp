// A backend's walk over its xenstore directory, backend/<type>/<frontend id>/<device id>, as
// every Xen backend makes it when the toolstack adds a device: f(frontend, devid) once for
// each well-formed pair (ids that are not numbers, or too large, are skipped).
#pragma once

#include <stdint.h>

#include "bh/xenbus/xs_client.hpp"
#include "bh/xenbus/xs_text.hpp"

namespace bh::xenbus {

template <class F>
void for_each_backend_device(XsClient& xs, const char* base, uint64_t max_devid, F f) {
    char fes[512], devs[256];
    size_t nf = 0;
    if (xs.directory(0, base, fes, sizeof fes, &nf)) return;
    for (size_t i = 0; i < nf; i += __builtin_strlen(fes + i) + 1) {
        uint64_t fe = 0;
        size_t nd = 0;
        Text dir;
        dir << base << "/" << (fes + i);
        if (!parse_u64(fes + i, &fe) || fe > 0xffff || xs.directory(0, dir.s, devs, sizeof devs, &nd)) continue;
        for (size_t k = 0; k < nd; k += __builtin_strlen(devs + k) + 1) {
            uint64_t devid = 0;
            if (parse_u64(devs + k, &devid) && devid <= max_devid) f(static_cast<uint16_t>(fe), devid);
        }
    }
}

}  // namespace bh::xenbus
