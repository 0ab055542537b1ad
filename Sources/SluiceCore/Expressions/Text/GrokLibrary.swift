/// The built-in grok patterns, written for RE2: no look-around and no atomic groups, so a few differ
/// from Logstash's in what they accept at their edges (documented in docs/expressions.md).
enum GrokLibrary {
    static let patterns: [String: String] = [
        // Words, numbers and strings.
        "USERNAME": #"[a-zA-Z0-9._-]+"#,
        "USER": #"%{USERNAME}"#,
        "EMAILLOCALPART": #"[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*"#,
        "EMAILADDRESS": #"%{EMAILLOCALPART}@%{HOSTNAME}"#,
        "INT": #"[+-]?[0-9]+"#,
        "BASE10NUM": #"[+-]?(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)"#,
        "NUMBER": #"%{BASE10NUM}"#,
        "BASE16NUM": #"[+-]?(?:0[xX])?[0-9A-Fa-f]+"#,
        "POSINT": #"\b[1-9][0-9]*\b"#,
        "NONNEGINT": #"\b[0-9]+\b"#,
        "WORD": #"\b\w+\b"#,
        "NOTSPACE": #"\S+"#,
        "SPACE": #"\s*"#,
        "DATA": #".*?"#,
        "GREEDYDATA": #".*"#,
        "QUOTEDSTRING": #""(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`(?:[^`\\]|\\.)*`"#,
        "QS": #"%{QUOTEDSTRING}"#,
        "UUID": #"[A-Fa-f0-9]{8}-(?:[A-Fa-f0-9]{4}-){3}[A-Fa-f0-9]{12}"#,
        "LOGLEVEL":
            #"(?i:alert|trace|debug|notice|info(?:rmation)?|warn(?:ing)?|err(?:or)?|crit(?:ical)?|fatal|severe|"#
            + #"emerg(?:ency)?)"#,

        // Networks.
        "MAC": #"(?:[A-Fa-f0-9]{2}[:-]){5}[A-Fa-f0-9]{2}|[A-Fa-f0-9]{4}\.[A-Fa-f0-9]{4}\.[A-Fa-f0-9]{4}"#,
        "IPV4OCTET": #"25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9]"#,
        "IPV4": #"\b%{IPV4OCTET}(?:\.%{IPV4OCTET}){3}\b"#,
        "IPV6": ipv6,
        "IP": #"%{IPV6}|%{IPV4}"#,
        "HOSTNAME": #"\b[0-9A-Za-z][0-9A-Za-z-]{0,62}(?:\.[0-9A-Za-z][0-9A-Za-z-]{0,62})*\.?"#,
        "IPORHOST": #"%{IP}|%{HOSTNAME}"#,
        "HOSTPORT": #"%{IPORHOST}:%{POSINT}"#,

        // Paths and URIs.
        "UNIXPATH": #"(?:/[\w_%!$@:.,+~-]*)+"#,
        "WINPATH": #"(?:[A-Za-z]+:|\\)(?:\\[^\\?*]*)+"#,
        "PATH": #"%{UNIXPATH}|%{WINPATH}"#,
        "URIPROTO": #"[A-Za-z][A-Za-z0-9+.-]+"#,
        "URIHOST": #"%{IPORHOST}(?::%{POSINT})?"#,
        "URIPATH": #"(?:/[A-Za-z0-9$.+!*'(){},~:;=@#%&_-]*)+"#,
        "URIQUERY": #"[A-Za-z0-9$.+!*'|(){},~@#%&/=:;_?\[\]<>-]*"#,
        "URIPARAM": #"\?%{URIQUERY}"#,
        "URIPATHPARAM": #"%{URIPATH}(?:%{URIPARAM})?"#,
        "URI": #"%{URIPROTO}://(?:%{USER}(?::[^@]*)?@)?(?:%{URIHOST})?(?:%{URIPATHPARAM})?"#,

        // Dates and times.
        "MONTH":
            #"\b(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:tember)?|"#
            + #"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"#,
        "MONTHNUM": #"0?[1-9]|1[0-2]"#,
        "MONTHNUM2": #"0[1-9]|1[0-2]"#,
        "MONTHDAY": #"0[1-9]|[12][0-9]|3[01]|[1-9]"#,
        "DAY": #"\b(?i:mon(?:day)?|tue(?:sday)?|wed(?:nesday)?|thu(?:rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\b"#,
        "YEAR": #"(?:\d\d){1,2}"#,
        "HOUR": #"2[0123]|[01]?[0-9]"#,
        "MINUTE": #"[0-5][0-9]"#,
        "SECOND": #"(?:[0-5]?[0-9]|60)(?:[:.,][0-9]+)?"#,
        "TIME": #"\b%{HOUR}:%{MINUTE}(?::%{SECOND})?\b"#,
        "DATE_US": #"%{MONTHNUM}[/-]%{MONTHDAY}[/-]%{YEAR}"#,
        "DATE_EU": #"%{MONTHDAY}[./-]%{MONTHNUM}[./-]%{YEAR}"#,
        "DATE": #"%{DATE_US}|%{DATE_EU}"#,
        "DATESTAMP": #"%{DATE}[- ]%{TIME}"#,
        "TZ": #"[APMCE][SD]T|UTC"#,
        "ISO8601_TIMEZONE": #"Z|[+-]%{HOUR}(?::?%{MINUTE})?"#,
        "ISO8601_SECOND": #"%{SECOND}"#,
        "TIMESTAMP_ISO8601":
            #"%{YEAR}-%{MONTHNUM}-%{MONTHDAY}[T ]%{HOUR}:?%{MINUTE}(?::?%{SECOND})?(?:%{ISO8601_TIMEZONE})?"#,
        "HTTPDATE": #"%{MONTHDAY}/%{MONTH}/%{YEAR}:%{TIME} %{INT}"#,
        "SYSLOGTIMESTAMP": #"%{MONTH} +%{MONTHDAY} %{TIME}"#,

        // Syslog (RFC 3164 and RFC 5424).
        "PROG": #"[\x21-\x5a\x5c\x5e-\x7e]+"#,
        "SYSLOGPROG": #"%{PROG:program}(?:\[%{POSINT:pid:int}\])?"#,
        "SYSLOGHOST": #"%{IPORHOST}"#,
        "SYSLOGFACILITY": #"<%{NONNEGINT:facility:int}.%{NONNEGINT:priority:int}>"#,
        "SYSLOGBASE": #"%{SYSLOGTIMESTAMP:timestamp} (?:%{SYSLOGFACILITY} )?%{SYSLOGHOST:logsource} %{SYSLOGPROG}:"#,
        "SYSLOGLINE":
            #"(?:<%{NONNEGINT:priority:int}>)?%{SYSLOGTIMESTAMP:timestamp} %{SYSLOGHOST:logsource} "#
            + #"%{SYSLOGPROG}: ?%{GREEDYDATA:message}"#,
        "SYSLOG5424PRINTASCII": #"[!-~]+"#,
        "SYSLOG5424PRI": #"<%{NONNEGINT:syslog5424_pri:int}>"#,
        "SYSLOG5424SD": #"(?:\[(?:[^\]\\"]|\\.|"(?:[^"\\]|\\.)*")*\])+"#,
        "SYSLOG5424BASE":
            #"%{SYSLOG5424PRI}%{NONNEGINT:syslog5424_ver:int} +(?:%{TIMESTAMP_ISO8601:syslog5424_ts}|-) "#
            + #"+(?:%{SYSLOG5424PRINTASCII:syslog5424_host}|-) +(?:-|%{SYSLOG5424PRINTASCII:syslog5424_app}) "#
            + #"+(?:-|%{SYSLOG5424PRINTASCII:syslog5424_proc}) "#
            + #"+(?:-|%{SYSLOG5424PRINTASCII:syslog5424_msgid}) "#
            + #"+(?:%{SYSLOG5424SD:syslog5424_sd}|-)"#,
        "SYSLOG5424LINE": #"%{SYSLOG5424BASE}(?: +%{GREEDYDATA:syslog5424_msg})?"#,

        // Web servers: the Common and Combined Log Formats.
        "HTTPDUSER": #"%{EMAILADDRESS}|%{USER}"#,
        "COMMONAPACHELOG":
            #"%{IPORHOST:clientip} %{HTTPDUSER:ident} %{HTTPDUSER:auth} \[%{HTTPDATE:timestamp}\] "#
            + #""(?:%{WORD:verb} %{NOTSPACE:request}(?: HTTP/%{NUMBER:httpversion})?|%{DATA:rawrequest})" "#
            + #"%{INT:response:int} (?:%{INT:bytes:int}|-)"#,
        "COMBINEDAPACHELOG": #"%{COMMONAPACHELOG} %{QS:referrer} %{QS:agent}"#,
        "HTTPD_COMMONLOG": #"%{COMMONAPACHELOG}"#,
        "HTTPD_COMBINEDLOG": #"%{COMBINEDAPACHELOG}"#,
    ]

    /// IPv6 in its full, compressed (`::`) and IPv4-embedded forms. RE2 prefers the first alternative
    /// that lets the whole pattern match, so the forms that leave more groups after `::` come first:
    /// each form takes as many groups as the address has.
    private static let ipv6: String = {
        let h = "[0-9A-Fa-f]{1,4}"
        let forms = [
            "(?:\(h):){7}\(h)",
            "(?:\(h):){6}%{IPV4}",
            "::(?:[fF]{4}(?::0{1,4})?:)?%{IPV4}",
            "(?:\(h):){1,4}:%{IPV4}",
            "\(h):(?::\(h)){1,6}",
            "(?:\(h):){1,2}(?::\(h)){1,5}",
            "(?:\(h):){1,3}(?::\(h)){1,4}",
            "(?:\(h):){1,4}(?::\(h)){1,3}",
            "(?:\(h):){1,5}(?::\(h)){1,2}",
            "(?:\(h):){1,6}:\(h)",
            "(?:\(h):){1,7}:",
            ":(?:(?::\(h)){1,7}|:)",
        ]
        return "(?:" + forms.joined(separator: "|") + ")(?:%[0-9A-Za-z]+)?"
    }()
}
