package mcpserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sessionTimeout closes an HTTP session no request has used for this long.
const sessionTimeout = time.Hour

// Handler serves srv over Streamable HTTP. With a token, every request
// must carry it as "Authorization: Bearer TOKEN" (the rule of `triage
// serve` off loopback); others get 401 and nothing of the server. The
// SDK's handler also refuses requests to a loopback address that name
// another host (DNS rebinding) and bounds request bodies.
func Handler(srv *mcp.Server, token string) http.Handler {
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv },
		// A client that goes away without ending its session does not
		// leave it open for the life of the server.
		&mcp.StreamableHTTPOptions{SessionTimeout: sessionTimeout})
	if token == "" {
		return h
	}
	want := sha256.Sum256([]byte(token))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		g := sha256.Sum256([]byte(got)) // hashed: not even the lengths are compared
		if !ok || subtle.ConstantTimeCompare(g[:], want[:]) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="triage mcp"`)
			http.Error(w, "this server asks for its token: send Authorization: Bearer TOKEN", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}
