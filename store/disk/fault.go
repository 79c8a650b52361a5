//go:build !storefaults

package disk

// fault marks a step of a put for the power-loss test (crashsteps_test.go),
// which builds the package with -tags storefaults to make it act; here it
// does nothing and compiles away, so the production binary carries no
// fault-injection code.
func (s *Store) fault(faultPoint, string) {}
