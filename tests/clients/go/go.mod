module smtpscope.test/clients

go 1.19
