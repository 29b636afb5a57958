package redistest

import "syscall"

// sysProcAttr puts redis-server in its own process group and has the
// kernel kill it if the process that started it dies without stopping it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
