// The Jakarta Mail client of tests/clients/run.sh: connects to
// 127.0.0.1:PORT with mail.smtp.starttls.enable=true (opportunistic: STARTTLS
// when the server offers it, plain text otherwise), sends one message, then
// closes (QUIT).
// Whether it sent STARTTLS is read from the lab server's log.
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Properties;

public class StarttlsProbe {
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: StarttlsProbe PORT");
            System.exit(64);
        }
        Properties p = new Properties();
        p.put("mail.smtp.host", "127.0.0.1");
        p.put("mail.smtp.port", args[0]);
        p.put("mail.smtp.localhost", "client.smtpscope.test");
        p.put("mail.smtp.starttls.enable", "true");
        p.put("mail.smtp.ssl.trust", "*");
        p.put("mail.smtp.ssl.checkserveridentity", "false");
        p.put("mail.smtp.connectiontimeout", "5000");
        p.put("mail.smtp.timeout", "5000");
        Session session = Session.getInstance(p);
        MimeMessage m = new MimeMessage(session);
        m.setFrom(new InternetAddress("a@client.smtpscope.test"));
        m.setRecipients(Message.RecipientType.TO, "b@example.org");
        m.setSubject("smtpscope clients test");
        m.setText("Hello.");
        Transport t = session.getTransport("smtp");
        t.connect();
        t.sendMessage(m, m.getAllRecipients());
        t.close();
    }
}
