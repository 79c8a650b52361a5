package cert

import "fmt"

// Role is what a member may do on the network. It is carried in the
// certificate's role extension as the UTF8String of its value.
type Role string

// The roles.
const (
	RoleNode        Role = "node"
	RoleClient      Role = "client"
	RoleCoordinator Role = "coordinator"
)

// ParseRole returns the Role named s, or an error wrapping ErrBadRole.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("%w %q; want one of node, client, coordinator", ErrBadRole, s)
	}
	return r, nil
}

// Valid reports whether r is one of the defined roles.
func (r Role) Valid() bool {
	switch r {
	case RoleNode, RoleClient, RoleCoordinator:
		return true
	}
	return false
}

func (r Role) String() string { return string(r) }
