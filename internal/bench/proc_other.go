//go:build !linux

package main

import (
	"syscall"
	"time"
)

// childAttr is the children's process attributes (none outside Linux).
func childAttr() *syscall.SysProcAttr { return nil }

// processCPU is the CPU time this process has used (unknown outside Linux: 0).
func processCPU() time.Duration { return 0 }
