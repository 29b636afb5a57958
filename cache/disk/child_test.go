package disk

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
)

// Some tests need a second process: the test binary runs itself with
// childRoleEnv naming what the child does, in childDirEnv's directory.
const (
	childRoleEnv = "STRIPESQL_DISK_TEST_CHILD"
	childDirEnv  = "STRIPESQL_DISK_TEST_DIR"
)

var childRoles = map[string]func(dir string) error{
	"hold":  holdOpen,
	"write": writeGenerations,
}

func TestMain(m *testing.M) {
	if role := os.Getenv(childRoleEnv); role != "" {
		if err := childRoles[role](os.Getenv(childDirEnv)); err != nil {
			fmt.Fprintln(os.Stderr, "child:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a running child process and the lines it writes.
type child struct {
	cmd   *exec.Cmd
	lines *bufio.Scanner
	stdin io.WriteCloser
}

func startChild(t *testing.T, role, dir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childRoleEnv+"="+role, childDirEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return &child{cmd: cmd, lines: bufio.NewScanner(stdout), stdin: stdin}
}

// holdOpen opens the store, says "open", and keeps it open until its
// stdin closes.
func holdOpen(dir string) error {
	s, _, err := Open(testOptions(dir))
	if err != nil {
		return err
	}
	fmt.Println("open")
	io.Copy(io.Discard, os.Stdin)
	return s.Close()
}
