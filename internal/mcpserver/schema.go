package mcpserver

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/google/jsonschema-go/jsonschema"
)

// OutputSchema returns the JSON schema of a tool's output whose Go type is
// T, inferred from T as the SDK infers input schemas (field names, types,
// the jsonschema tags' descriptions), with the changes that keep it true of
// every output the server sends, since the SDK checks each output against
// its tool's schema:
//
//   - a json.RawMessage (an alert's raw entities) is any JSON, not bytes;
//   - a map may be null (a nil map without omitempty is encoded so);
//   - the top-level object requires no member (triage_incident's sections
//     leave some out) and may carry "truncated" (Bound's account of a cut)
//     and "error" (an output too large even when cut).
//
// It panics when T cannot be described (a channel, a func): a programming
// error that any test listing the tools finds.
func OutputSchema[T any]() *jsonschema.Schema {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
		reflect.TypeFor[json.RawMessage](): {Description: "JSON as read from the source"},
	}})
	if err != nil {
		panic(fmt.Errorf("mcpserver: the output schema of %s: %w", reflect.TypeFor[T](), err))
	}
	if s.Type != "object" {
		panic(fmt.Errorf("mcpserver: the output of %s is a %s, want an object", reflect.TypeFor[T](), s.Type))
	}
	nullableMaps(s)
	s.Required = nil
	if s.Properties == nil {
		s.Properties = map[string]*jsonschema.Schema{}
	}
	tr, err := jsonschema.For[Truncated](nil)
	if err != nil {
		panic(fmt.Errorf("mcpserver: the schema of Truncated: %w", err))
	}
	tr.Description = "present when the output was cut to the server's size bound: which lists lost how many items"
	s.Properties["truncated"] = tr
	s.Properties["error"] = &jsonschema.Schema{Type: "string", Description: "present when even the cut output did not fit: what to ask for instead"}
	return s
}

// nullableMaps lets every map schema under s (an object whose additional
// properties have a schema of their own) be null.
func nullableMaps(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if s.Type == "object" && s.AdditionalProperties != nil && s.AdditionalProperties.Not == nil {
		s.Types, s.Type = []string{"null", "object"}, ""
	}
	nullableMaps(s.Items)
	nullableMaps(s.AdditionalProperties)
	for _, p := range s.Properties {
		nullableMaps(p)
	}
}

// inputSchema returns the JSON schema of a tool's arguments of Go type T,
// inferred as the SDK would, with the served workspaces as the values its
// "workspace" member takes: their names are the analyst's configuration,
// never data.
func inputSchema[T any](workspaces []string) *jsonschema.Schema {
	s, err := jsonschema.For[T](nil)
	if err != nil {
		panic(fmt.Errorf("mcpserver: the input schema of %s: %w", reflect.TypeFor[T](), err))
	}
	if p := s.Properties["workspace"]; p != nil && len(workspaces) > 0 {
		for _, w := range workspaces {
			p.Enum = append(p.Enum, w)
		}
		p.Description += "; one of the workspaces served, " + workspaces[0] + " by default"
	}
	return s
}
