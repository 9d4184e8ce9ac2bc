package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// updateForm is the incident page's form that changes an incident, as
// shown or as sent.
type updateForm struct {
	Status, Severity, Owner         string
	Classification, Reason, Comment string
	// Errors by field name, and errors of the change as a whole.
	Errors  map[string]string
	General []string

	Statuses        []triage.Status
	Severities      []triage.Severity
	Classifications []triage.Classification
	Reasons         []reasonOption
}

type reasonOption struct {
	Value, Label string
	For          triage.Classification
}

func newUpdateForm(inc triage.Incident) updateForm {
	f := updateForm{
		Statuses: statuses, Severities: severities,
		Classifications: []triage.Classification{triage.ClassTruePositive, triage.ClassBenignPositive, triage.ClassFalsePositive, triage.ClassUndetermined},
		Errors:          map[string]string{},
	}
	for _, c := range f.Classifications {
		for _, r := range workspace.ClassificationReasons[c] {
			f.Reasons = append(f.Reasons, reasonOption{Value: r, Label: reasonLabel(r), For: c})
		}
	}
	return f
}

// reasonLabel spells a reason ("SuspiciousButExpected") as words.
func reasonLabel(r string) string {
	var b strings.Builder
	for i, c := range r {
		if i > 0 && 'A' <= c && c <= 'Z' {
			b.WriteByte(' ')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}

// readUpdateForm reads the form and the change it asks for; the form's
// Errors say what is wrong, by field.
func readUpdateForm(r *http.Request, inc triage.Incident) (updateForm, workspace.Change) {
	f := newUpdateForm(inc)
	f.Status, f.Severity = r.PostFormValue("status"), r.PostFormValue("severity")
	f.Owner = strings.TrimSpace(r.PostFormValue("owner"))
	f.Classification, f.Reason = r.PostFormValue("classification"), r.PostFormValue("reason")
	f.Comment = r.PostFormValue("classification_comment")
	var ch workspace.Change
	// The values are read as the CLI reads them (triage.Parse*); the
	// form's messages are its own.
	if f.Status != "" {
		st, err := triage.ParseStatus(f.Status)
		if err != nil {
			f.Errors["status"] = "Choose New, Active or Closed."
		}
		ch.Status = &st
	}
	if f.Severity != "" {
		sev, err := triage.ParseSeverity(f.Severity)
		if err != nil {
			f.Errors["severity"] = "Choose High, Medium, Low or Informational."
		}
		ch.Severity = &sev
	}
	if f.Owner != "" {
		own, err := triage.ParseOwner(f.Owner)
		if err != nil {
			f.Errors["owner"] = "Give a user principal name (alice@contoso.com), an object id (GUID), or none to unassign."
		}
		ch.Owner = &own
	}
	if f.Classification != "" {
		c, err := triage.ParseClassification(f.Classification)
		if err != nil {
			f.Errors["classification"] = "Choose one of the classifications."
		}
		ch.Classification = &c
	}
	if f.Reason != "" {
		ch.ClassificationReason = &f.Reason
	}
	if strings.TrimSpace(f.Comment) != "" {
		ch.ClassificationComment = &f.Comment
	}
	after := ch.Apply(inc)
	switch {
	case ch.IsZero():
		f.General = append(f.General, "Nothing to change: choose a new status, severity, owner or classification.")
	case after.Status == triage.StatusClosed && after.Classification == "" && f.Errors["classification"] == "":
		f.Errors["classification"] = "Closing an incident needs a classification."
	case after.Status != triage.StatusClosed && ch.Classification != nil && f.Errors["classification"] == "":
		f.Errors["classification"] = "A classification is only set when closing: choose status Closed too."
	}
	if ch.ClassificationReason != nil {
		if rs, ok := workspace.ClassificationReasons[after.Classification]; ok && !slices.Contains(rs, f.Reason) {
			want := "no reason"
			if len(rs) > 0 {
				want = reasonLabel(strings.Join(rs, " or "))
			}
			f.Errors["reason"] = fmt.Sprintf("This reason does not go with %s: choose %s.", reasonLabel(string(after.Classification)), want)
		}
	}
	if len(f.Errors) == 0 && len(f.General) == 0 {
		if err := ch.Validate(inc); err != nil {
			f.General = append(f.General, strings.Split(err.Error(), "\n")...)
		}
	}
	return f, ch
}

type confirmPage struct {
	base
	Incident triage.Incident
	Back     string // the incident page
	Action   string // the form's path
	Kind     string // "comment" or "update"
	Message  string // the comment
	Error    string // the comment cannot be sent
	Update   updateForm
	Diff     []string
	Same     bool     // the change changes nothing
	Conflict []string // what changed since the incident was read
	Read     string   // the incident as read, encoded
	Done     string   // the change failed: its message
}

// encodeIncident and decodeIncident carry the incident as the analyst
// read it from the confirmation page to the write, so that a colleague's
// change in between is detected and shown.
func encodeIncident(inc triage.Incident) string {
	b, _ := json.Marshal(inc)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeIncident(s string) (triage.Incident, error) {
	var inc triage.Incident
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &inc)
	}
	return inc, err
}

// action opens the incident an action form posts to and its workspace's
// writer, and starts the action's confirmation page (kind: "comment" or
// "update", the last part of the form's path). ok is false when a failure
// page was served instead.
func (s *Server) action(w http.ResponseWriter, r *http.Request, kind, title string) (workspace.Writer, triage.Incident, *confirmPage, bool) {
	env, inc, ok := s.openIncident(w, r)
	if !ok {
		return nil, inc, nil, false
	}
	wr, ok := env.Workspace.(workspace.Writer)
	if !ok {
		s.fail(w, r, http.StatusBadRequest, "This workspace cannot change incidents (it reads them from the SecurityIncident table): use a Sentinel workspace with the incidents API, or a local one.", nil)
		return nil, inc, nil, false
	}
	ws := s.wsName(r)
	return wr, inc, &confirmPage{
		base:     s.newBase(r, fmt.Sprintf("%s %d", title, inc.Number), "queue", ws),
		Incident: inc, Back: incidentPath(inc.Number) + "?ws=" + urlQueryEscape(ws),
		Action: incidentPath(inc.Number) + "/" + kind, Kind: kind,
	}, true
}

// readIncident returns the incident as the analyst read it (the form's
// "read" field), checked to be the same incident as current.
func readIncident(r *http.Request, current triage.Incident) (triage.Incident, error) {
	read, err := decodeIncident(r.PostFormValue("read"))
	if err != nil || read.Name != current.Name {
		return triage.Incident{}, errors.New("the form does not carry this incident as you read it: go back to the incident and try again")
	}
	return read, nil
}

func (s *Server) comment(w http.ResponseWriter, r *http.Request) {
	wr, inc, p, ok := s.action(w, r, "comment", "Comment on incident")
	if !ok {
		return
	}
	msg := strings.ReplaceAll(r.PostFormValue("message"), "\r\n", "\n")
	p.Message = msg
	switch n := utf8.RuneCountInString(msg); {
	case strings.TrimSpace(msg) == "":
		p.Error = "The comment is empty."
	case !utf8.ValidString(msg):
		p.Error = "The comment is not valid UTF-8."
	case n > workspace.MaxCommentLength:
		p.Error = fmt.Sprintf("The comment has %d characters; Sentinel takes at most %d.", n, workspace.MaxCommentLength)
	}
	if p.Error != "" || r.PostFormValue("confirm") != "1" {
		s.render(w, r, statusFor(p.Error != ""), "confirm", p)
		return
	}
	if _, err := wr.PostComment(r.Context(), inc, "", msg); err != nil {
		s.log.Warn("post comment", "incident", inc.Number, "err", err)
		p.Done = err.Error()
		s.render(w, r, http.StatusBadGateway, "confirm", p)
		return
	}
	http.Redirect(w, r, p.Back+"&done=comment#comments", http.StatusSeeOther)
}

func (s *Server) update(w http.ResponseWriter, r *http.Request) {
	wr, inc, p, ok := s.action(w, r, "update", "Change incident")
	if !ok {
		return
	}
	read := inc
	if r.PostFormValue("confirm") == "1" {
		var err error
		if read, err = readIncident(r, inc); err != nil {
			p.Done = err.Error()
			s.render(w, r, http.StatusBadRequest, "confirm", p)
			return
		}
	}
	form, ch := readUpdateForm(r, read)
	p.Update, p.Read = form, encodeIncident(read)
	if len(form.Errors) > 0 || len(form.General) > 0 {
		s.render(w, r, http.StatusUnprocessableEntity, "confirm", p)
		return
	}
	p.Diff = workspace.Diff(read, ch.Apply(read))
	p.Same = len(p.Diff) == 0
	if p.Same || r.PostFormValue("confirm") != "1" {
		s.render(w, r, http.StatusOK, "confirm", p)
		return
	}
	_, err := wr.Update(r.Context(), read, ch)
	var ce *workspace.ConflictError
	switch {
	case errors.As(err, &ce):
		// Show what changed, and offer the change again against the
		// incident as it is now.
		p.Conflict = ce.Changed
		p.Read = encodeIncident(inc)
		p.Diff = workspace.Diff(inc, ch.Apply(inc))
		p.Same = len(p.Diff) == 0
		s.render(w, r, http.StatusConflict, "confirm", p)
		return
	case err != nil:
		s.log.Warn("update incident", "incident", inc.Number, "err", err)
		p.Done = err.Error()
		s.render(w, r, http.StatusBadGateway, "confirm", p)
		return
	}
	http.Redirect(w, r, p.Back+"&done=update", http.StatusSeeOther)
}

func statusFor(bad bool) int {
	if bad {
		return http.StatusUnprocessableEntity
	}
	return http.StatusOK
}
