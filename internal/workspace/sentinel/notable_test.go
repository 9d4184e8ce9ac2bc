package sentinel

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// TestNoTableIn: Log Analytics' answers to a query over a missing table, as
// the service words them, name the table; other errors name none.
func TestNoTableIn(t *testing.T) {
	answer := func(status int, body string) error {
		resp := &http.Response{StatusCode: status, Body: io.NopCloser(strings.NewReader(body)), Header: http.Header{}}
		return fmt.Errorf("query: %w", &azcore.ResponseError{StatusCode: status, ErrorCode: "BadArgumentError", RawResponse: resp})
	}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"SEM0100 two inner errors deep", answer(400, `{"error":{"code":"BadArgumentError","message":"The request had some invalid properties",
			"innererror":{"code":"SemanticError","message":"A semantic error occurred.",
			"innererror":{"code":"SEM0100","message":"'where' operator: Failed to resolve table or column expression named 'ThreatIntelIndicators'"}}}}`),
			"ThreatIntelIndicators"},
		{"table expression, in details", answer(400, `{"error":{"code":"BadArgumentError","message":"bad",
			"details":[{"code":"SEM0100","message":"Failed to resolve table expression named 'AADSignInEventsBeta'"}]}}`),
			"AADSignInEventsBeta"},
		{"a missing column", answer(400, `{"error":{"code":"BadArgumentError","message":"bad",
			"innererror":{"code":"SEM0100","message":"'where' operator: Failed to resolve scalar expression named 'Foo'"}}}`), ""},
		{"access denied", answer(403, `{"error":{"code":"InsufficientAccessError","message":"The provided credentials have insufficient access"}}`), ""},
		{"not JSON", answer(400, `<html>`), ""},
		{"not a service answer", errors.New("dial tcp: connection refused"), ""},
		{"nil", nil, ""},
	} {
		if got := noTableIn(tt.err); got != tt.want {
			t.Errorf("%s: noTableIn = %q, want %q", tt.name, got, tt.want)
		}
	}
}
