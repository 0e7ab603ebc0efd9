/* Linux's own virtio ring definitions and vring_init, for layout_test.cpp. */
#include <linux/virtio_config.h>
#include <linux/virtio_pci.h>
#include <linux/virtio_blk.h>
#include <linux/virtio_ring.h>
#include <stddef.h>
#include <stdint.h>

#include "linux_vring.h"

void linux_vring_get_facts(struct linux_vring_facts* out) {
    out->desc_size = sizeof(struct vring_desc);
    out->desc_addr = offsetof(struct vring_desc, addr);
    out->desc_len = offsetof(struct vring_desc, len);
    out->desc_flags = offsetof(struct vring_desc, flags);
    out->desc_next = offsetof(struct vring_desc, next);
    out->used_elem_size = sizeof(struct vring_used_elem);
    out->used_elem_len = offsetof(struct vring_used_elem, len);
    out->f_next = VRING_DESC_F_NEXT;
    out->f_write = VRING_DESC_F_WRITE;
    out->f_indirect = VRING_DESC_F_INDIRECT;
    out->used_no_notify = VRING_USED_F_NO_NOTIFY;
    out->avail_no_interrupt = VRING_AVAIL_F_NO_INTERRUPT;
    out->feature_indirect = VIRTIO_RING_F_INDIRECT_DESC;
    out->feature_event_idx = VIRTIO_RING_F_EVENT_IDX;
}

void linux_vring_layout(unsigned n, struct linux_vring_offsets* out) {
    static _Alignas(4096) unsigned char mem[1 << 20];
    struct vring vr;
    vring_init(&vr, n, mem, VRING_USED_ALIGN_SIZE);
    out->desc = (size_t)((unsigned char*)vr.desc - mem);
    out->avail = (size_t)((unsigned char*)vr.avail - mem);
    out->used = (size_t)((unsigned char*)vr.used - mem);
    out->used_event = (size_t)((unsigned char*)&vring_used_event(&vr) - mem);
    out->avail_event = (size_t)((unsigned char*)&vring_avail_event(&vr) - mem);
    out->total = vring_size(n, VRING_USED_ALIGN_SIZE);
}

int linux_need_event(uint16_t event, uint16_t new_idx, uint16_t old) {
    return vring_need_event(event, new_idx, old);
}

void linux_virtio_pci_facts(size_t offsets[16], unsigned status[6], unsigned* version_1,
                            unsigned* access_platform) {
    size_t o[16] = {
        offsetof(struct virtio_pci_common_cfg, device_feature_select),
        offsetof(struct virtio_pci_common_cfg, device_feature),
        offsetof(struct virtio_pci_common_cfg, guest_feature_select),
        offsetof(struct virtio_pci_common_cfg, guest_feature),
        offsetof(struct virtio_pci_common_cfg, msix_config),
        offsetof(struct virtio_pci_common_cfg, num_queues),
        offsetof(struct virtio_pci_common_cfg, device_status),
        offsetof(struct virtio_pci_common_cfg, config_generation),
        offsetof(struct virtio_pci_common_cfg, queue_select),
        offsetof(struct virtio_pci_common_cfg, queue_size),
        offsetof(struct virtio_pci_common_cfg, queue_msix_vector),
        offsetof(struct virtio_pci_common_cfg, queue_enable),
        offsetof(struct virtio_pci_common_cfg, queue_notify_off),
        offsetof(struct virtio_pci_common_cfg, queue_desc_lo),
        offsetof(struct virtio_pci_common_cfg, queue_avail_lo),
        offsetof(struct virtio_pci_common_cfg, queue_used_lo),
    };
    unsigned st[6] = {VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK,
                      VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_CONFIG_S_FAILED};
    for (int i = 0; i < 16; ++i) offsets[i] = o[i];
    for (int i = 0; i < 6; ++i) status[i] = st[i];
    *version_1 = VIRTIO_F_VERSION_1;
    *access_platform = VIRTIO_F_ACCESS_PLATFORM;
}

void linux_virtio_blk_facts(struct linux_blk_facts* out) {
    out->outhdr_size = sizeof(struct virtio_blk_outhdr);
    out->outhdr_type = offsetof(struct virtio_blk_outhdr, type);
    out->outhdr_sector = offsetof(struct virtio_blk_outhdr, sector);
    out->capacity = offsetof(struct virtio_blk_config, capacity);
    out->size_max = offsetof(struct virtio_blk_config, size_max);
    out->seg_max = offsetof(struct virtio_blk_config, seg_max);
    out->blk_size = offsetof(struct virtio_blk_config, blk_size);
    out->num_queues = offsetof(struct virtio_blk_config, num_queues);
    out->max_discard_sectors = offsetof(struct virtio_blk_config, max_discard_sectors);
    out->max_discard_seg = offsetof(struct virtio_blk_config, max_discard_seg);
    out->discard_sector_alignment = offsetof(struct virtio_blk_config, discard_sector_alignment);
    unsigned c[17] = {VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID,
                      VIRTIO_BLK_T_DISCARD, VIRTIO_BLK_T_WRITE_ZEROES, VIRTIO_BLK_S_OK,
                      VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_F_SIZE_MAX,
                      VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_F_RO, VIRTIO_BLK_F_BLK_SIZE,
                      VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_MQ, VIRTIO_BLK_F_DISCARD,
                      VIRTIO_BLK_F_WRITE_ZEROES};
    for (int i = 0; i < 17; ++i) out->constants[i] = c[i];
}
