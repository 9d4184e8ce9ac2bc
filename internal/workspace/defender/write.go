package defender

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// graphComment is an alertComment of an incident.
type graphComment struct {
	Comment              string    `json:"comment"`
	CreatedByDisplayName string    `json:"createdByDisplayName"`
	CreatedDateTime      graphTime `json:"createdDateTime"`
}

// Comments lists the incident's comments (the incident's comments
// property), oldest first. Graph gives comments no id: a comment's ID here
// is its position, from "1".
func (w *Workspace) Comments(ctx context.Context, inc triage.Incident) ([]workspace.Comment, error) {
	data, err := w.call(ctx, http.MethodGet, w.incidentURL(inc.Name), nil, "comments of incident "+inc.Name)
	if err != nil {
		return nil, err
	}
	var g struct {
		Comments []graphComment `json:"comments"`
	}
	if err := json.Unmarshal(data, &g); err != nil {
		return nil, fmt.Errorf("defender workspace %s: comments of incident %s: malformed answer: %w", w.cfg.Name, inc.Name, err)
	}
	return commentsOf(g.Comments), nil
}

func commentsOf(gs []graphComment) []workspace.Comment {
	out := make([]workspace.Comment, 0, len(gs))
	for _, c := range gs {
		out = append(out, workspace.Comment{Message: c.Comment, Author: c.CreatedByDisplayName, Created: c.CreatedDateTime.UTC()})
	}
	slices.SortStableFunc(out, func(a, b workspace.Comment) int { return a.Created.Compare(b.Created) })
	for i := range out {
		out[i].ID = strconv.Itoa(i + 1)
	}
	return out
}

// PostComment adds a comment (POST .../comments). Graph cannot edit or
// delete a comment, so id is not kept: every call adds one, and a caller
// that meant to replace comment id sees a returned ID that differs from
// it. The comment goes to the incident as given; Incident has already
// followed any merge to the incident that survived it.
func (w *Workspace) PostComment(ctx context.Context, inc triage.Incident, id, message string) (workspace.Comment, error) {
	if n := utf8.RuneCountInString(message); n > workspace.MaxCommentLength {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: %d characters, more than the %d accepted", inc.Name, n, workspace.MaxCommentLength)
	}
	if message == "" {
		return workspace.Comment{}, fmt.Errorf("comment on incident %s: empty message", inc.Name)
	}
	body := map[string]string{"@odata.type": "microsoft.graph.security.alertComment", "comment": message}
	data, err := w.call(ctx, http.MethodPost, w.incidentURL(inc.Name)+"/comments", body, "comment on incident "+inc.Name)
	if err != nil {
		return workspace.Comment{}, err
	}
	var g struct {
		Value []graphComment `json:"value"`
	}
	if json.Unmarshal(data, &g) != nil || len(g.Value) == 0 {
		return workspace.Comment{Message: message}, nil // sent; the answer says nothing more
	}
	cs := commentsOf(g.Value)
	for i := len(cs) - 1; i >= 0; i-- {
		if cs[i].Message == message {
			return cs[i], nil
		}
	}
	return workspace.Comment{Message: message}, nil
}

// Update applies ch with a PATCH of the changed fields only. Graph keeps
// no etag: the incident is read again immediately before the PATCH, and
// when its lastUpdateDateTime (the ETag here) or, for an incident read
// without one, the fields an analyst sees are not as inc has them, or it
// has been merged into another since, nothing is written and the error is
// a *workspace.ConflictError listing what changed. A classification comment
// is added as a comment after the PATCH (Graph has no field for it).
// Severity cannot be changed through Graph. The incident is read again
// after the write and returned.
func (w *Workspace) Update(ctx context.Context, inc triage.Incident, ch workspace.Change) (triage.Incident, error) {
	if err := ch.Validate(inc); err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", inc.Name, err)
	}
	if ch.Severity != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: Microsoft Graph does not change a Defender XDR incident's severity; leave it out", inc.Name)
	}
	cur, err := w.get(ctx, inc.Name)
	if err != nil {
		return triage.Incident{}, err
	}
	changed := workspace.Diff(inc, cur)
	if cur.Source["status"] == statusRedirected {
		changed = append(changed, fmt.Sprintf("merged into incident %s", cur.Source["redirectIncidentId"]))
	}
	if inc.ETag != "" && cur.ETag != inc.ETag || inc.ETag == "" && len(changed) > 0 || cur.Source["status"] == statusRedirected {
		return triage.Incident{}, &workspace.ConflictError{Incident: inc.Name, Current: cur, Changed: changed}
	}
	if err := ch.Validate(cur); err != nil {
		return triage.Incident{}, fmt.Errorf("update incident %s: %w", inc.Name, err)
	}
	body := patchOf(cur, ch)
	if len(body) > 0 {
		if _, err := w.call(ctx, http.MethodPatch, w.incidentURL(inc.Name), body, "update incident "+inc.Name); err != nil {
			return triage.Incident{}, err
		}
	}
	if ch.ClassificationComment != nil && *ch.ClassificationComment != "" {
		if _, err := w.PostComment(ctx, cur, "", *ch.ClassificationComment); err != nil {
			return triage.Incident{}, fmt.Errorf("update incident %s: the change was written, its classification comment was not: %w", inc.Name, err)
		}
	}
	out, err := w.get(ctx, inc.Name)
	if err != nil {
		return ch.Apply(cur), nil // written; reading it back failed
	}
	return out, nil
}

// patchOf is the PATCH body of ch: only the fields it changes, in Graph's
// words.
func patchOf(cur triage.Incident, ch workspace.Change) map[string]any {
	body := map[string]any{}
	if ch.Status != nil {
		body["status"] = toGraphStatus(*ch.Status)
	}
	if ch.Owner != nil {
		if a := assignedTo(*ch.Owner); a != "" {
			body["assignedTo"] = a
		} else {
			body["assignedTo"] = nil
		}
	}
	if ch.Labels != nil {
		tags := slices.Clone(*ch.Labels)
		if tags == nil {
			tags = []string{}
		}
		body["customTags"] = tags
	}
	if ch.Classification != nil || ch.ClassificationReason != nil {
		after := ch.Apply(cur)
		c, d := toGraphClassification(after.Classification, after.ClassificationReason, cur.Source["determination"])
		body["classification"], body["determination"] = c, d
	}
	return body
}
