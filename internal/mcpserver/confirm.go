package mcpserver

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sync"
	"time"
)

// DefaultConfirmTTL is how long a write's confirmation token stays good:
// long enough for an agent to show the change and ask, short enough that
// the change it confirms is still the one it saw.
const DefaultConfirmTTL = 5 * time.Minute

// maxPending bounds the tokens kept at once: an agent that plans writes
// without ever confirming them cannot grow the server's memory.
const maxPending = 256

// confirmations are the write tokens handed out and not yet used. A token
// is random, good once, for the tool and the exact arguments (as canonical
// JSON, without the token) it was issued for, and until it expires; it
// carries the version of the incident the change was shown against.
type confirmations struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	pending map[string]pending // by token
}

type pending struct {
	tool    string
	args    [sha256.Size]byte
	version string
	expires time.Time
}

// Errors of a confirmation that does not hold. Their messages tell the
// agent what to do.
var (
	errUnknownToken = errors.New("the confirmation_token is not one this server issued, or it was already used or has expired: call again without confirmation_token to see the change and get a new one")
	errOtherArgs    = errors.New("the confirmation_token was issued for other arguments: a token confirms exactly the change it was returned with; call again without confirmation_token to see this change and get a token for it")
)

func newConfirmations(ttl time.Duration, now func() time.Time) *confirmations {
	if ttl <= 0 {
		ttl = DefaultConfirmTTL
	}
	if now == nil {
		now = time.Now
	}
	return &confirmations{ttl: ttl, now: now, pending: map[string]pending{}}
}

// issue returns a new token for tool with args (canonical JSON), at
// version, and when it expires.
func (c *confirmations) issue(tool string, args []byte, version string) (string, time.Time) {
	b := make([]byte, 24)
	rand.Read(b)
	tok := hex.EncodeToString(b)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	for t, p := range c.pending {
		if !now.Before(p.expires) {
			delete(c.pending, t)
		}
	}
	for len(c.pending) >= maxPending { // the oldest go first
		var oldest string
		for t, p := range c.pending {
			if oldest == "" || p.expires.Before(c.pending[oldest].expires) {
				oldest = t
			}
		}
		delete(c.pending, oldest)
	}
	exp := now.Add(c.ttl)
	c.pending[tok] = pending{tool: tool, args: sha256.Sum256(args), version: version, expires: exp}
	return tok, exp
}

// redeem uses token up for tool with args and returns the version it was
// issued at. The token is spent whether or not it matches: a wrong guess
// costs the holder the token, so it cannot be probed.
func (c *confirmations) redeem(token, tool string, args []byte) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.pending[token]
	if !ok {
		return "", errUnknownToken
	}
	delete(c.pending, token)
	if !c.now().Before(p.expires) {
		return "", errUnknownToken
	}
	sum := sha256.Sum256(args)
	if p.tool != tool || subtle.ConstantTimeCompare(sum[:], p.args[:]) != 1 {
		return "", errOtherArgs
	}
	return p.version, nil
}
