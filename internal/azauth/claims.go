package azauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Grants are the permissions an access token carries: its application
// roles (the roles claim, app-only sign-in) and delegated scopes (the scp
// claim, space-separated, a user's sign-in).
type Grants struct {
	Roles  []string `json:"roles,omitempty"`
	Scopes []string `json:"scopes,omitempty"`
}

// All returns roles and scopes together.
func (g Grants) All() []string { return append(append([]string(nil), g.Roles...), g.Scopes...) }

// TokenGrants reads the roles and scp claims of a JWT access token
// without verifying it: it is the token this program was just given, read
// to tell the user which permissions it lacks, never to decide access. The
// error never contains the token.
func TokenGrants(token string) (Grants, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return Grants{}, errors.New("the access token is not a JWT (three dot-separated parts); its permissions cannot be read")
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Grants{}, fmt.Errorf("the access token's claims are not base64url: %w", err)
	}
	var c struct {
		Roles []string `json:"roles"`
		Scp   string   `json:"scp"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return Grants{}, fmt.Errorf("the access token's claims are not JSON: %w", err)
	}
	return Grants{Roles: c.Roles, Scopes: strings.Fields(c.Scp)}, nil
}
