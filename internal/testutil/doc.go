// Package testutil holds helpers shared by other packages' tests: a
// stripe-mock server on free ports, the MySQL command-line client, and free
// loopback addresses. It is imported only from _test.go files.
package testutil
