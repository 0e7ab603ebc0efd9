/* Every way into the kernel from a domain or an interrupt, and the one way out.
 * Entry builds a TrapFrame (context.hpp) on the kernel stack and calls trap_dispatch, which
 * returns the frame to resume — possibly another vCPU's, copied to the same place. */

    .text

/* 256 interrupt stubs: vectors with a CPU-pushed error code skip the dummy push. */
.macro STUB n
    .balign 16
stub_\n:
    .if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
    .else
    pushq $0
    .endif
    pushq $\n
    jmp trap_common
.endm

    .global trap_stubs
    .balign 16
trap_stubs:
.altmacro
.set i, 0
.rept 256
    STUB %i
    .set i, i+1
.endr

trap_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    mov %rsp, %rdi
    call trap_dispatch
    jmp trap_return_to

/* trap_return_to: rax = TrapFrame* to restore. */
    .global trap_return_to
trap_return_to:
    mov %rax, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    add $16, %rsp
    iretq

/* syscall: rcx = user rip, r11 = user rflags, IF cleared by SFMASK. One CPU: a scratch slot
 * holds the user rsp while we switch to the kernel stack. */
    .global syscall_entry
syscall_entry:
    mov %rsp, syscall_user_rsp(%rip)
    mov kernel_stack_top(%rip), %rsp
    pushq $0x23                 /* user ss */
    pushq syscall_user_rsp(%rip)
    pushq %r11                  /* rflags */
    pushq $0x2b                 /* user cs */
    pushq %rcx                  /* rip */
    pushq $0                    /* error */
    pushq $0x100                /* vector: syscall */
    jmp trap_common

    .global enter_first
/* enter_first(TrapFrame* f): start running a domain from a prepared frame. */
enter_first:
    mov %rdi, %rax
    jmp trap_return_to

    .data
    .balign 8
syscall_user_rsp: .quad 0
    .global kernel_stack_top
kernel_stack_top: .quad 0

    .section .note.GNU-stack,"",@progbits
