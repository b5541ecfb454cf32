// Command starttls-probe is the Go net/smtp client of tests/clients/run.sh:
// it connects to 127.0.0.1:PORT, says EHLO, and calls StartTLS only when
// Extension("STARTTLS") reports it, as an opportunistic client does. It
// prints "starttls offered" or "starttls not offered", sends one message
// (in TLS or not) and quits.
// Standard library only; it never leaves the loopback address it is given.
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: starttls-probe HOST:PORT")
		os.Exit(64)
	}
	conn, err := net.DialTimeout("tcp", os.Args[1], 5*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dial:", err)
		os.Exit(1)
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	c, err := smtp.NewClient(conn, "127.0.0.1")
	if err != nil {
		fmt.Fprintln(os.Stderr, "greeting:", err)
		os.Exit(1)
	}
	if err := c.Hello("client.smtpscope.test"); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		fmt.Println("starttls offered")
		if err := c.StartTLS(&tls.Config{InsecureSkipVerify: true}); err != nil {
			fmt.Fprintln(os.Stderr, "starttls:", err)
			os.Exit(1)
		}
	} else {
		fmt.Println("starttls not offered")
	}
	if err := send(c); err != nil {
		fmt.Fprintln(os.Stderr, "message:", err)
		os.Exit(1)
	}
	_ = c.Quit()
}

// send gives the server one message, in TLS or not, as a sender would.
func send(c *smtp.Client) error {
	if err := c.Mail("a@client.smtpscope.test"); err != nil {
		return err
	}
	if err := c.Rcpt("b@example.org"); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := fmt.Fprint(w, "Subject: smtpscope clients test\r\n\r\nHello.\r\n"); err != nil {
		return err
	}
	return w.Close()
}
