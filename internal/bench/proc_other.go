//go:build !linux

package main

import "syscall"

// childAttr is the children's process attributes (none outside Linux).
func childAttr() *syscall.SysProcAttr { return nil }
