package main

import "syscall"

// childAttr has the kernel kill a child process (the fake account, the
// MariaDB loader) if the bench dies without stopping it.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
