package azauth

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
)

func jwt(claims string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(claims)) + ".sig"
}

func TestTokenGrants(t *testing.T) {
	g, err := TokenGrants(jwt(`{"roles":["SecurityIncident.Read.All"],"scp":"SecurityAlert.Read.All  User.Read"}`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(g.All(), []string{"SecurityIncident.Read.All", "SecurityAlert.Read.All", "User.Read"}) {
		t.Errorf("grants %v", g)
	}
	const secret = "opaque-secret-token"
	for _, bad := range []string{secret, "a." + secret + ".c", jwt(`[1]`)} {
		_, err := TokenGrants(bad)
		if err == nil {
			t.Errorf("TokenGrants(%q): want an error", bad)
		} else if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows the token", err)
		}
	}
}
