/* PVH entry: QEMU (or Xen) enters here in 32-bit protected mode, paging off, ebx = physical
 * address of hvm_start_info (Xen docs/misc/pvh.pandoc). We build boot page tables, enter long
 * mode and jump to the higher half. */
#define KERNEL_VMA 0xffffffff80000000
#define PHYS(x) ((x) - KERNEL_VMA)

/* XEN_ELFNOTE_PHYS32_ENTRY (18): tells the loader this image boots the PVH way. */
    .section .note.Xen, "a", @note
    .balign 4
    .long 4
    .long 8
    .long 18
    .asciz "Xen"
    .balign 4
    .quad PHYS(pvh_start)
    .balign 4

    .section .boot.text, "ax"
    .code32
    .global pvh_start
pvh_start:
    cli
    cld
    mov %ebx, %esi                      /* keep start_info pointer */
    lgdt PHYS(boot_gdtr)
    mov $0x10, %ax
    mov %ax, %ds
    mov %ax, %es
    mov %ax, %ss
    mov $PHYS(boot_stack_top), %esp

    /* Zero .bss (page tables live there). */
    mov $PHYS(__bss_start), %edi
    mov $PHYS(__bss_end), %ecx
    sub %edi, %ecx
    shr $2, %ecx
    xor %eax, %eax
    rep stosl

    /* PD: 512 x 2 MiB identity pages = first 1 GiB; shared by the identity and kernel maps. */
    mov $PHYS(boot_pd_low), %edi
    mov $0x83, %eax                     /* P | W | PS */
    xor %ecx, %ecx
1:  mov %eax, (%edi,%ecx,8)
    movl $0, 4(%edi,%ecx,8)
    add $0x200000, %eax
    inc %ecx
    cmp $512, %ecx
    jne 1b

    /* Physmap PDs: 4 x 512 x 2 MiB = 4 GiB at 0xffff800000000000. */
    mov $PHYS(boot_pd_phys), %edi
    mov $0x83, %eax
    xor %edx, %edx                      /* high dword of the physical address */
    xor %ecx, %ecx
2:  mov %eax, (%edi,%ecx,8)
    mov %edx, 4(%edi,%ecx,8)
    add $0x200000, %eax
    adc $0, %edx
    inc %ecx
    cmp $2048, %ecx
    jne 2b

    /* PDPTs */
    mov $PHYS(boot_pdpt_low), %edi
    movl $PHYS(boot_pd_low) + 3, (%edi)
    mov $PHYS(boot_pdpt_high), %edi
    movl $PHYS(boot_pd_low) + 3, 510*8(%edi)
    mov $PHYS(boot_pdpt_phys), %edi
    movl $PHYS(boot_pd_phys) + 0x0000 + 3, 0(%edi)
    movl $PHYS(boot_pd_phys) + 0x1000 + 3, 8(%edi)
    movl $PHYS(boot_pd_phys) + 0x2000 + 3, 16(%edi)
    movl $PHYS(boot_pd_phys) + 0x3000 + 3, 24(%edi)

    /* PML4: [0] identity (dropped once in the higher half), [256] physmap, [511] kernel. */
    mov $PHYS(boot_pml4), %edi
    movl $PHYS(boot_pdpt_low) + 3, 0(%edi)
    movl $PHYS(boot_pdpt_phys) + 3, 256*8(%edi)
    movl $PHYS(boot_pdpt_high) + 3, 511*8(%edi)
    mov %edi, %cr3

    mov %cr4, %eax
    or $0x20, %eax                      /* CR4.PAE */
    mov %eax, %cr4
    mov $0xC0000080, %ecx               /* EFER */
    rdmsr
    or $0x901, %eax                     /* SCE | LME | NXE */
    wrmsr
    mov %cr0, %eax
    or $0x80010001, %eax                /* PG | WP | PE */
    mov %eax, %cr0
    ljmp $0x08, $PHYS(long_mode_low)

    .code64
long_mode_low:
    movabs $long_mode_high, %rax
    jmp *%rax

    .text
long_mode_high:
    movabs $boot_stack_top, %rsp
    xor %ebp, %ebp
    mov %esi, %edi                      /* arg0: physical address of hvm_start_info */
    call kernel_main
3:  cli
    hlt
    jmp 3b

    .section .rodata
    .balign 8
boot_gdt:
    .quad 0
    .quad 0x00af9a000000ffff            /* 0x08: 64-bit code */
    .quad 0x00cf92000000ffff            /* 0x10: data */
boot_gdt_end:
boot_gdtr:
    .word boot_gdt_end - boot_gdt - 1
    .long PHYS(boot_gdt)

    .bss
    .balign 4096
    .global boot_pml4
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pdpt_phys: .skip 4096
boot_pd_low:    .skip 4096
boot_pd_phys:   .skip 4096*4
    .global boot_stack_top
boot_stack:     .skip 16384
boot_stack_top:
    .section .note.GNU-stack,"",@progbits
