package triage

import "strings"

// EvidenceVerdict is Microsoft Defender XDR's own verdict on one piece of
// alert evidence (the Graph enum evidenceVerdict). ParseGraphEvidence keeps
// it on the entity as the property "verdict", spelled as Graph writes it.
type EvidenceVerdict string

// The evidence verdicts, as Graph spells them.
const (
	VerdictUnknown        EvidenceVerdict = "unknown"
	VerdictNoThreatsFound EvidenceVerdict = "noThreatsFound"
	VerdictSuspicious     EvidenceVerdict = "suspicious"
	VerdictMalicious      EvidenceVerdict = "malicious"
)

// The properties Graph evidence carries beside its verdict: what was done
// about the evidence and what part it played. They travel with the verdict
// when two sightings of one entity are merged.
const (
	PropVerdict                  = "verdict"
	PropRemediationStatus        = "remediationStatus"
	PropRemediationStatusDetails = "remediationStatusDetails"
	PropDetectionStatus          = "detectionStatus"
	PropRoles                    = "roles"
)

// ParseEvidenceVerdict reads an evidence verdict in any case ("Malicious",
// "malicious", "NoThreatsFound"), as Graph's samples write enum members
// either way. Graph's "unknownFutureValue" is VerdictUnknown. ok is false
// for a word that is none of them.
func ParseEvidenceVerdict(s string) (v EvidenceVerdict, ok bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "unknown", "unknownfuturevalue":
		return VerdictUnknown, true
	case "nothreatsfound":
		return VerdictNoThreatsFound, true
	case "suspicious":
		return VerdictSuspicious, true
	case "malicious":
		return VerdictMalicious, true
	}
	return "", false
}

// Rank orders verdicts by how bad they say the evidence is: 0 for unknown
// (or none), 1 no threats found, 2 suspicious, 3 malicious.
func (v EvidenceVerdict) Rank() int {
	switch v {
	case VerdictNoThreatsFound:
		return 1
	case VerdictSuspicious:
		return 2
	case VerdictMalicious:
		return 3
	}
	return 0
}

// DefenderVerdict is Microsoft Defender XDR's verdict on the entity: its
// "verdict" property, as ParseGraphEvidence sets it; "" when it has none
// or one that is not a verdict.
func (e Entity) DefenderVerdict() EvidenceVerdict {
	v, _ := ParseEvidenceVerdict(e.Prop(PropVerdict))
	return v
}

// mergeVerdict keeps, of two sightings of one entity, the worse Defender
// verdict with the remediation and detection status that came with it:
// the same file malicious in one alert and noThreatsFound in another is
// malicious, whichever alert was read first.
func mergeVerdict(dst, src map[string]any) {
	s, ok := ParseEvidenceVerdict(str(src, PropVerdict))
	if !ok {
		return
	}
	d, _ := ParseEvidenceVerdict(str(dst, PropVerdict))
	if s.Rank() <= d.Rank() {
		return
	}
	for _, k := range []string{PropVerdict, PropRemediationStatus, PropRemediationStatusDetails, PropDetectionStatus} {
		if v, ok := src[k]; ok {
			dst[k] = v
		} else {
			delete(dst, k)
		}
	}
}
