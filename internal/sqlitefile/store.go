package sqlitefile

import (
	"context"
	"sync/atomic"
	"time"
)

// Clock is a store's clock: time.Now unless set, so that a test runs a
// store at a fixed time. The zero Clock is ready; it is safe for
// concurrent use.
type Clock struct {
	now atomic.Pointer[func() time.Time]
}

// Set sets the clock; nil restores time.Now.
func (c *Clock) Set(now func() time.Time) {
	if now == nil {
		c.now.Store(nil)
		return
	}
	c.now.Store(&now)
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	if p := c.now.Load(); p != nil {
		return (*p)()
	}
	return time.Now()
}

// Turn lets a store's writes go one at a time, so that its connections do
// not wait on each other's file lock for the busy timeout.
type Turn chan struct{}

// NewTurn returns a free Turn.
func NewTurn() Turn { return make(Turn, 1) }

// Take waits for the turn, or fails when ctx is done first.
func (t Turn) Take(ctx context.Context) error {
	select {
	case t <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Give gives the turn back.
func (t Turn) Give() { <-t }
