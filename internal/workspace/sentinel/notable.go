package sentinel

import (
	"encoding/json"
	"errors"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// kustoNoTable is Kusto's wording for a name it finds no table for (SEM0100,
// in an inner error of a 400 answer): "'where' operator: Failed to resolve
// table or column expression named 'X'", or "table expression". A missing
// column is a "scalar expression" and does not match.
var kustoNoTable = regexp.MustCompile(`Failed to resolve table[a-z ]*? expression named '([^']+)'`)

// noTableIn returns the table a Log Analytics error answer says does not
// exist, or "". The wording may sit in any inner error.
func noTableIn(err error) string {
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.RawResponse == nil {
		return ""
	}
	body, rerr := readPayload(re.RawResponse)
	if rerr != nil {
		return ""
	}
	var r struct {
		Error *laError `json:"error"`
	}
	if json.Unmarshal(body, &r) != nil {
		return ""
	}
	return noTableInError(r.Error)
}

func noTableInError(e *laError) string {
	if e == nil {
		return ""
	}
	if m := kustoNoTable.FindStringSubmatch(e.Message); m != nil {
		return m[1]
	}
	for i := range e.Details {
		if t := noTableInError(&e.Details[i]); t != "" {
			return t
		}
	}
	return noTableInError(e.Inner)
}
