//go:build !linux

package mariadbtest

import "syscall"

// sysProcAttr puts mariadbd in its own process group.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
