/* linux_vring.c: Linux's virtio ring definitions (linux/virtio_ring.h is C, not C++), as values
 * layout_test.cpp compares with libs/virtio's. */
#pragma once
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif
struct linux_vring_facts {
    size_t desc_size, desc_addr, desc_len, desc_flags, desc_next;
    size_t used_elem_size, used_elem_len;
    unsigned f_next, f_write, f_indirect, used_no_notify, avail_no_interrupt;
    unsigned feature_indirect, feature_event_idx;
};
struct linux_vring_offsets {
    size_t desc, avail, used, used_event, avail_event, total;
};
void linux_vring_get_facts(struct linux_vring_facts* out);
/* struct virtio_pci_common_cfg's offsets in the order of modern_transport.hpp's common::k*, and
 * the status bits ACKNOWLEDGE, DRIVER, DRIVER_OK, FEATURES_OK, NEEDS_RESET, FAILED. */
void linux_virtio_pci_facts(size_t offsets[16], unsigned status[6], unsigned* version_1,
                            unsigned* access_platform);
/* virtio_blk's request header and configuration offsets, and (in blk::'s order) its constants. */
struct linux_blk_facts {
    size_t outhdr_size, outhdr_type, outhdr_sector;
    size_t capacity, size_max, seg_max, blk_size, num_queues, max_discard_sectors, max_discard_seg,
        discard_sector_alignment;
    unsigned constants[17];
};
void linux_virtio_blk_facts(struct linux_blk_facts* out);
void linux_vring_layout(unsigned n, struct linux_vring_offsets* out);
int linux_need_event(uint16_t event, uint16_t new_idx, uint16_t old);
#ifdef __cplusplus
}
#endif
