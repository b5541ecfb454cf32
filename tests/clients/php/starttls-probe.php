<?php
// The PHPMailer client of tests/clients/run.sh: sends one message to
// 127.0.0.1:PORT with SMTPAutoTLS (its default: STARTTLS when the EHLO reply
// offers it, plain text otherwise), no SMTPSecure, no authentication and no
// certificate check. Whether it sent STARTTLS is read from the lab server's
// log. Debian 12: packages php-cli and libphp-phpmailer.
//
// usage: php starttls-probe.php PORT
require '/usr/share/php/libphp-phpmailer/autoload.php';

use PHPMailer\PHPMailer\PHPMailer;
use PHPMailer\PHPMailer\Exception;

if ($argc !== 2) {
    fwrite(STDERR, "usage: starttls-probe.php PORT\n");
    exit(64);
}
$mail = new PHPMailer(true);
$mail->isSMTP();
$mail->Host = '127.0.0.1';
$mail->Port = (int) $argv[1];
$mail->SMTPAuth = false;
$mail->SMTPAutoTLS = true;
$mail->SMTPSecure = '';
$mail->SMTPOptions = ['ssl' => [
    'verify_peer' => false,
    'verify_peer_name' => false,
    'allow_self_signed' => true,
]];
$mail->Helo = 'client.smtpscope.test';
$mail->Hostname = 'client.smtpscope.test';
$mail->Timeout = 10;
// The dialog, both ways, on standard output (for the run's .out file).
$mail->SMTPDebug = 2;
$mail->Debugoutput = 'echo';
try {
    $mail->setFrom('a@client.smtpscope.test');
    $mail->addAddress('b@example.org');
    $mail->Subject = 'smtpscope clients test';
    $mail->Body = "Hello.\r\n";
    $mail->send();
    echo "sent\n";
} catch (Exception $e) {
    echo 'not sent: ', $e->getMessage(), "\n";
    exit(1);
}
