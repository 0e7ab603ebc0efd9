/* Domain entry: rdi/rsi hold the two start arguments from BH_CALL_DOMAIN_START. */
    .section .text.start, "ax"
    .global _start
_start:
    and $-16, %rsp
    xor %ebp, %ebp
    call bh_rt_start
    ud2
    .section .note.GNU-stack,"",@progbits
