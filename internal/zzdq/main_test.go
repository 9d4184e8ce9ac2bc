package dq
import ("testing";"fmt"
"github.com/triage-dev/triage/internal/enrich/domain"
"github.com/triage-dev/triage/internal/ioc")
func TestX(t *testing.T){
 for _, s := range []string{"７.０.０.１","7.0.0.1","A://ﴐ.１","a://xn--wgbj.1/","ﴐ.１","xn--wgbj.1","http://ﴐ.１/","http://１２７.０.０.１/"} {
  f := domain.Analyze(s); u, err := domain.ParseURL(s); ind, ierr := ioc.Parse(s)
  a, aerr := ioc.ASCIIName(s)
  fmt.Printf("%q\n  Analyze: %+v\n  ParseURL: host=%q ip=%v err=%v facts=%+v\n  ioc: %+v %v\n  ascii %q %v\n", s, f, u.Host, u.IPHost, err, u.Facts.Problems, ind, ierr, a, aerr)
 }
}
