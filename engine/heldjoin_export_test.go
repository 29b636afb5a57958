package engine

// SetHeldJoins turns held joins (heldjoin.go) on or off, for tests that
// compare them with go-mysql-server's own; it returns what restores the
// setting.
func SetHeldJoins(on bool) (restore func()) {
	was := heldJoinsOff.Swap(!on)
	return func() { heldJoinsOff.Store(was) }
}
