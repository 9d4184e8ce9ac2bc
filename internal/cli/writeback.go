package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/spf13/cobra"

	"github.com/triage-dev/triage/internal/config"
	"github.com/triage-dev/triage/internal/report"
	"github.com/triage-dev/triage/internal/report/comment"
	"github.com/triage-dev/triage/internal/report/markdown"
	"github.com/triage-dev/triage/internal/triage"
	"github.com/triage-dev/triage/internal/workspace"
)

// writerOf returns the env's workspace as a workspace.Writer, its clock set
// to s.Now where it takes one. It warns when the workspace is the demo,
// which each command opens afresh and so keeps no change.
func writerOf(s *IO, e *env) (workspace.Writer, error) {
	w, ok := e.Workspace.(workspace.Writer)
	if !ok {
		return nil, fmt.Errorf("workspace %s cannot change incidents: use a Sentinel or local workspace", e.Workspace.Name())
	}
	if c, ok := e.Workspace.(interface{ SetClock(func() time.Time) }); ok {
		c.SetClock(s.Now)
	}
	if e.Workspace.Name() == config.DemoWorkspace {
		fmt.Fprintln(s.Err, "triage: note: this change to the demo workspace is not kept: every command starts from the demo as it was built")
	}
	return w, nil
}

type commentOptions struct {
	file    string
	message string
	dryRun  bool
}

func newCommentCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &commentOptions{}
	cmd := &cobra.Command{
		Use:   "comment <incident> {-f <file> | -m <text>}",
		Short: "Add a comment to an incident",
		Long: `Add a Markdown comment to an incident. INCIDENT is the incident number or its
name (GUID). The comment comes from a file (-f), from stdin (-f -) or from
the command line (-m). Sentinel takes at most 30000 characters.

On success the new comment's id goes to stdout. With --dry-run the comment
is printed instead of sent.`,
		Example: `  triage comment 42 -m "Confirmed with the user: travelling."
  triage comment 42 -f notes.md
  triage run 42 | triage comment 42 -f -`,
		Args: oneIncident,
		RunE: func(cmd *cobra.Command, args []string) error {
			msg, err := o.read(cmd.InOrStdin())
			if err != nil {
				return err
			}
			g.writes = !o.dryRun
			e, err := open(cmd.Context(), s, g)
			if err != nil {
				return err
			}
			defer e.Close()
			w, err := writerOf(s, e)
			if err != nil {
				return err
			}
			inc, err := e.Workspace.Incident(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if o.dryRun {
				fmt.Fprintf(s.Err, "triage: dry run: this comment would be added to incident %s; nothing was sent\n", incidentRef(inc))
				_, err := io.WriteString(s.Out, msg)
				return err
			}
			c, err := w.PostComment(cmd.Context(), inc, "", msg)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.Err, "triage: added comment %s to incident %s\n", c.ID, incidentRef(inc))
			fmt.Fprintln(s.Out, c.ID)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&o.file, "file", "f", "", "read the comment (Markdown) from this file; - reads stdin")
	fl.StringVarP(&o.message, "message", "m", "", "the comment (Markdown)")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the comment instead of sending it")
	return cmd
}

// read returns the comment the flags give: a usage error when there is
// none or it is blank, an error when it is too long or not UTF-8.
func (o *commentOptions) read(stdin io.Reader) (string, error) {
	var msg string
	switch {
	case o.file != "" && o.message != "":
		return "", &FlagError{errors.New("give the comment with -f or with -m, not both")}
	case o.file == "-":
		b, err := io.ReadAll(stdin)
		if err != nil {
			return "", fmt.Errorf("read the comment from stdin: %w", err)
		}
		msg = string(b)
	case o.file != "":
		b, err := os.ReadFile(o.file)
		if err != nil {
			return "", fmt.Errorf("read the comment: %w", err)
		}
		msg = string(b)
	default:
		msg = o.message
	}
	if strings.TrimSpace(msg) == "" {
		return "", &FlagError{errors.New("the comment is empty: give it with -f FILE, -f - (stdin) or -m TEXT")}
	}
	if !utf8.ValidString(msg) {
		return "", errors.New("the comment is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(msg); n > workspace.MaxCommentLength {
		return "", fmt.Errorf("the comment has %d characters; Sentinel takes at most %d", n, workspace.MaxCommentLength)
	}
	return msg, nil
}

type updateOptions struct {
	status, severity, owner string
	labels, removeLabels    []string
	classification, reason  string
	comment                 string
	dryRun                  bool
	// Which of the flags whose value may be "" were given.
	setOwner, setClass, setReason, setComment bool
}

func newUpdateCmd(s *IO, g *globalOptions) *cobra.Command {
	o := &updateOptions{}
	cmd := &cobra.Command{
		Use:   "update <incident> [flags]",
		Short: "Change an incident's status, severity, owner, labels or classification",
		Long: `Change an incident. INCIDENT is the incident number or its name (GUID).
Values are matched case-insensitively to Sentinel's: --status new, active or
closed; --severity informational, low, medium or high; --classification
true-positive, benign-positive, false-positive or undetermined; --reason
suspicious-activity (true positive), suspicious-but-expected (benign
positive), incorrect-alert-logic or inaccurate-data (false positive).
Closing an incident needs a classification; the change is checked before
anything is sent.

The incident is read, changed and written back only if nobody changed it in
between; if somebody did, nothing is written and the command says what
changed (exit status 1): run it again to apply the change to the incident as
it is now. What changes is printed to stdout, one "field: old → new" line
each. With --dry-run the change that would be sent is printed as JSON
instead, with the incident's fields before and after, and nothing is sent.`,
		Example: `  triage update 42 --status active --owner alice@contoso.com
  triage update 42 --label phishing --remove-label triage-pending
  triage update 42 --status closed --classification false-positive \
      --reason incorrect-alert-logic --comment "Known scanner"
  triage update 42 --severity high --dry-run`,
		Args: oneIncident,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			o.setOwner, o.setClass = fl.Changed("owner"), fl.Changed("classification")
			o.setReason, o.setComment = fl.Changed("reason"), fl.Changed("comment")
			return updateRun(cmd.Context(), s, g, o, args[0])
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&o.status, "status", "", "new status: {new|active|closed}")
	fl.StringVar(&o.severity, "severity", "", "new severity: {informational|low|medium|high}")
	fl.StringVar(&o.owner, "owner", "", "assign to this user (UPN or object id); none unassigns")
	fl.StringArrayVar(&o.labels, "label", nil, "add this label (repeatable)")
	fl.StringArrayVar(&o.removeLabels, "remove-label", nil, "remove this label (repeatable)")
	fl.StringVar(&o.classification, "classification", "", "classification when closing: {true-positive|benign-positive|false-positive|undetermined}")
	fl.StringVar(&o.reason, "reason", "", "classification reason (see above)")
	fl.StringVar(&o.comment, "comment", "", "classification comment")
	fl.BoolVar(&o.dryRun, "dry-run", false, "print the change that would be sent, as JSON, and send nothing")
	return cmd
}

func updateRun(ctx context.Context, s *IO, g *globalOptions, o *updateOptions, ref string) error {
	// Parse every value before anything is opened.
	fixed, err := o.fixedChange()
	if err != nil {
		return err
	}

	g.writes = !o.dryRun
	e, err := open(ctx, s, g)
	if err != nil {
		return err
	}
	defer e.Close()
	w, err := writerOf(s, e)
	if err != nil {
		return err
	}
	inc, ch, err := planUpdate(ctx, s, e, o, fixed, ref)
	if err != nil {
		return err
	}
	after := ch.Apply(inc)
	diff := workspace.Diff(inc, after)
	if len(diff) == 0 {
		fmt.Fprintf(s.Err, "triage: incident %s already has these values; nothing was sent\n", incidentRef(inc))
		return nil
	}
	if o.dryRun {
		fmt.Fprintf(s.Err, "triage: dry run: nothing was sent\n")
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(dryRunOf(inc, ch))
	}
	return sendUpdate(ctx, s, w, inc, ch)
}

// dryRunOf is what update --dry-run prints of ch applied to inc.
func dryRunOf(inc triage.Incident, ch workspace.Change) dryRunUpdate {
	return dryRunUpdate{
		Incident: incidentRef(inc), Name: inc.Name, ETag: inc.ETag,
		Change: ch, Before: fieldsOf(inc), After: fieldsOf(ch.Apply(inc)),
	}
}

// fixedChange is the change the options give whatever the incident: all
// but the labels, which are edited on the incident as read. Every value
// is checked; none is sent.
func (o *updateOptions) fixedChange() (workspace.Change, error) {
	var fixed workspace.Change
	if o.status != "" {
		st, err := parseStatus(o.status)
		if err != nil {
			return fixed, err
		}
		fixed.Status = &st
	}
	if o.severity != "" {
		sev, err := parseSeverity(o.severity)
		if err != nil {
			return fixed, err
		}
		fixed.Severity = &sev
	}
	if o.setOwner {
		own, err := parseOwner(o.owner)
		if err != nil {
			return fixed, err
		}
		fixed.Owner = &own
	}
	if o.setClass {
		c, err := parseClassification(o.classification)
		if err != nil {
			return fixed, err
		}
		fixed.Classification = &c
	}
	if o.setReason {
		r, err := parseReason(o.reason)
		if err != nil {
			return fixed, err
		}
		fixed.ClassificationReason = &r
	}
	if o.setComment {
		fixed.ClassificationComment = &o.comment
	}
	for _, l := range slices.Concat(o.labels, o.removeLabels) {
		if strings.TrimSpace(l) == "" {
			return fixed, &FlagError{errors.New("a label must not be empty")}
		}
	}
	if fixed.IsZero() && len(o.labels) == 0 && len(o.removeLabels) == 0 {
		return fixed, &FlagError{errors.New("nothing to change: give at least one of --status, --severity, --owner, --label, --remove-label, --classification, --reason, --comment")}
	}
	return fixed, nil
}

// planUpdate reads the incident ref and works out the change of fixed and
// the options' labels on it, checked against it: what update sends, or
// prints with --dry-run.
func planUpdate(ctx context.Context, s *IO, e *env, o *updateOptions, fixed workspace.Change, ref string) (triage.Incident, workspace.Change, error) {
	inc, err := e.Workspace.Incident(ctx, ref)
	if err != nil {
		return inc, fixed, err
	}
	ch := fixed
	if len(o.labels) > 0 || len(o.removeLabels) > 0 {
		labels, missing := editLabels(inc.Labels, o.labels, o.removeLabels)
		for _, l := range missing {
			fmt.Fprintf(s.Err, "triage: warning: incident %s has no label %q to remove\n", incidentRef(inc), clean(l, 0))
		}
		if !slices.Equal(labels, inc.Labels) {
			ch.Labels = &labels
		}
	}
	if err := ch.Validate(inc); err != nil && !ch.IsZero() {
		return inc, ch, &FlagError{fmt.Errorf("incident %s: %w", incidentRef(inc), err)}
	}
	return inc, ch, nil
}

// sendUpdate applies ch to inc (as read) and prints what changed. When the
// incident changed since it was read, it says what changed and returns an
// error whose message is already printed.
func sendUpdate(ctx context.Context, s *IO, w workspace.Writer, inc triage.Incident, ch workspace.Change) error {
	updated, err := w.Update(ctx, inc, ch)
	var ce *workspace.ConflictError
	if errors.As(err, &ce) {
		fmt.Fprintf(s.Err, "triage: incident %s changed since it was read; nothing was written. What changed:\n", incidentRef(inc))
		for _, l := range ce.Changed {
			fmt.Fprintf(s.Err, "  %s\n", clean(l, 0))
		}
		fmt.Fprintln(s.Err, "Run the command again to apply your change to the incident as it is now.")
		return fmt.Errorf("%w: conflict", errSilent)
	}
	if err != nil {
		return err
	}
	for _, l := range workspace.Diff(inc, updated) {
		fmt.Fprintln(s.Out, clean(l, 0))
	}
	fmt.Fprintf(s.Err, "triage: updated incident %s\n", incidentRef(inc))
	return nil
}

// dryRunUpdate is what update --dry-run prints.
type dryRunUpdate struct {
	Incident string           `json:"incident"` // the number, or the name
	Name     string           `json:"name"`
	ETag     string           `json:"etag,omitempty"` // the version the change applies to
	Change   workspace.Change `json:"change"`
	Before   incidentFields   `json:"before"`
	After    incidentFields   `json:"after"`
}

// incidentFields are the fields update can change.
type incidentFields struct {
	Status                triage.Status         `json:"status"`
	Severity              triage.Severity       `json:"severity"`
	Owner                 triage.Owner          `json:"owner"`
	Labels                []string              `json:"labels"`
	Classification        triage.Classification `json:"classification,omitempty"`
	ClassificationReason  string                `json:"classification_reason,omitempty"`
	ClassificationComment string                `json:"classification_comment,omitempty"`
}

func fieldsOf(inc triage.Incident) incidentFields {
	labels := inc.Labels
	if labels == nil {
		labels = []string{}
	}
	return incidentFields{
		Status: inc.Status, Severity: inc.Severity, Owner: inc.Owner, Labels: labels,
		Classification: inc.Classification, ClassificationReason: inc.ClassificationReason,
		ClassificationComment: inc.ClassificationComment,
	}
}

// editLabels adds and removes labels (compared case-insensitively), keeping
// the order of the ones already there; missing lists removals that matched
// nothing.
func editLabels(cur, add, remove []string) (labels, missing []string) {
	labels = []string{}
	has := func(ls []string, l string) bool {
		return slices.ContainsFunc(ls, func(x string) bool { return strings.EqualFold(x, l) })
	}
	for _, r := range remove {
		if !has(cur, r) {
			missing = append(missing, r)
		}
	}
	for _, l := range cur {
		if !has(remove, l) && !has(labels, l) {
			labels = append(labels, l)
		}
	}
	for _, l := range add {
		if !has(labels, l) {
			labels = append(labels, l)
		}
	}
	return labels, missing
}

func parseClassification(v string) (triage.Classification, error) {
	c, err := triage.ParseClassification(v)
	if err != nil {
		return "", &FlagError{err}
	}
	return c, nil
}

func parseReason(v string) (string, error) {
	if v == "" {
		return "", nil
	}
	var all []string
	for _, c := range []triage.Classification{triage.ClassTruePositive, triage.ClassBenignPositive, triage.ClassFalsePositive} {
		for _, r := range workspace.ClassificationReasons[c] {
			if triage.SameWord(v, r) {
				return r, nil
			}
			all = append(all, r)
		}
	}
	return "", &FlagError{fmt.Errorf("unknown classification reason %q (want one of %s)", v, strings.Join(all, ", "))}
}

// parseOwner reads --owner as triage.ParseOwner does.
func parseOwner(v string) (triage.Owner, error) {
	o, err := triage.ParseOwner(v)
	if err != nil {
		return triage.Owner{}, &FlagError{fmt.Errorf("--owner: %w", err)}
	}
	return o, nil
}

// incidentRef names an incident for messages: its number, else its name.
func incidentRef(inc triage.Incident) string {
	if inc.Number != 0 {
		return fmt.Sprint(inc.Number)
	}
	return inc.Name
}

// postSummary posts comment.Render(r) on the incident: it replaces the
// incident's triage summary comment (the first comment comment.IsSummary
// recognises) or adds one. With dryRun it writes the comment to out
// instead.
// summaryNamespace names the ids of triage summary comments.
var summaryNamespace = uuid.MustParse("6f0c3e0a-2f3b-4a53-9a4e-7d1b2c3e4f50")

// summaryCommentID is the id a summary comment on inc gets.
func summaryCommentID(inc triage.Incident) string {
	return uuid.NewSHA1(summaryNamespace, []byte(strings.ToLower(inc.Name))).String()
}

func postSummary(ctx context.Context, s *IO, e *env, r *report.Report, dryRun bool) error {
	w, err := writerOf(s, e)
	if err != nil {
		return err
	}
	inc := r.Incident
	pointer := fmt.Sprintf("run `triage run %s` on workspace %s", incidentRef(inc), markdown.Escape(e.Workspace.Name()))
	if inc.Number == 0 {
		pointer = fmt.Sprintf("run triage run %s on workspace %s", markdown.Escape(inc.Name), markdown.Escape(e.Workspace.Name()))
	}
	msg := comment.Render(r, workspace.MaxCommentLength, pointer)
	comments, err := w.Comments(ctx, inc)
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		fmt.Fprintf(s.Err, "triage: warning: cannot read the comments of incident %s (%v); writing the summary under its usual id\n", incidentRef(inc), err)
	}
	var ids []string
	for _, c := range comments {
		if comment.IsSummary(c.Message) {
			ids = append(ids, c.ID)
		}
	}
	// Without a summary found, the comment gets an id derived from the
	// incident: a later run replaces it even if it cannot list comments.
	id := summaryCommentID(inc)
	if len(ids) > 0 {
		id = ids[0]
	}
	if len(ids) > 1 {
		fmt.Fprintf(s.Err, "triage: warning: incident %s has %d triage summaries; updating the oldest, %s\n", incidentRef(inc), len(ids), id)
	}
	found := len(ids) > 0
	if dryRun {
		if !found {
			fmt.Fprintf(s.Err, "triage: dry run: this summary would be added to incident %s as a new comment; nothing was sent\n", incidentRef(inc))
		} else {
			fmt.Fprintf(s.Err, "triage: dry run: this summary would replace comment %s on incident %s; nothing was sent\n", id, incidentRef(inc))
		}
		_, err := io.WriteString(s.Out, msg)
		return err
	}
	c, err := w.PostComment(ctx, inc, id, msg)
	if err != nil {
		return fmt.Errorf("post the summary: %w", err)
	}
	switch {
	case !found:
		fmt.Fprintf(s.Err, "triage: added summary comment %s to incident %s\n", c.ID, incidentRef(inc))
	case c.ID != id:
		// The workspace cannot edit comments (Defender XDR through Graph).
		fmt.Fprintf(s.Err, "triage: added summary comment %s to incident %s; this workspace cannot edit comments, so the earlier summary %s stays\n", c.ID, incidentRef(inc), id)
	default:
		fmt.Fprintf(s.Err, "triage: updated summary comment %s on incident %s\n", c.ID, incidentRef(inc))
	}
	return nil
}
