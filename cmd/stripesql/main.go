// Command stripesql serves a Stripe account as a MySQL database.
//
//	stripesql [flags]              serve the account of STRIPE_API_KEY
//	stripesql demo [flags]         serve an embedded fake Stripe account
//	stripesql fake-stripe [flags]  run the fake Stripe API alone
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// usageError is a mistake in the command line: reported with exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	var ue usageError
	switch {
	case err == nil:
	case errors.As(err, &ue):
		fmt.Fprintln(os.Stderr, "stripesql:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "stripesql:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; it returns when ctx is done or on error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "demo":
			return runDemo(ctx, args[1:], stdout, stderr, os.Getenv)
		case "fake-stripe":
			return runFakeStripe(ctx, args[1:], stdout, stderr, os.Getenv)
		case "serve":
			return runServe(ctx, args[1:], stdout, stderr, os.Getenv)
		case "help":
			return runServe(ctx, []string{"-h"}, stdout, stderr, os.Getenv)
		}
	}
	return runServe(ctx, args, stdout, stderr, os.Getenv)
}
