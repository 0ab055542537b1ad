import Foundation
import SluiceStorage
import SluiceTesting
import Testing

/// `runner query --url` through the real binary, against the server `scripts/with-postgres.sh` starts.
@Suite struct PostgresQueryCommandTests {
    private let table = TestPostgres.uniqueName("query")

    /// Creates this test's table with two typed rows.
    private func createTable() throws -> String {
        let url = try TestPostgres.requireURL()
        try PostgresConnection(url: url).execute(
            """
            CREATE TABLE \(table) (id bigint PRIMARY KEY, name text, ts timestamptz, tags jsonb, ok boolean);
            INSERT INTO \(table) VALUES (1, 'a', '2026-01-01 10:00:00.5+00', '["x", 1]', true),
                (2, NULL, '2026-01-02 00:00:00+00', '{"k": null}', false);
            CREATE SEQUENCE \(table)_seq
            """)
        return url
    }

    private func query(_ url: String, _ arguments: String...) throws -> RunnerProcess.Result {
        try RunnerProcess.run(["query", "--url", url] + arguments)
    }

    @Test func printsTypedRowsInEveryFormat() throws {
        let url = try createTable()
        let sql = "SELECT id, name, ts, tags, ok FROM \(table) ORDER BY id"
        let json = try query(url, "--format", "json", sql)
        #expect(json.status == 0, "\(json.stderr)")
        #expect(
            json.stdout == """
                [
                {"id":1,"name":"a","ts":"2026-01-01T10:00:00.5Z","tags":["x",1],"ok":true},
                {"id":2,"name":null,"ts":"2026-01-02T00:00:00Z","tags":{"k":null},"ok":false}
                ]

                """)
        let csv = try query(url, "--format", "csv", sql)
        #expect(
            csv.stdout == """
                id,name,ts,tags,ok
                1,a,2026-01-01T10:00:00.5Z,"[""x"",1]",true
                2,,2026-01-02T00:00:00Z,"{""k"":null}",false

                """)
        let lines = try query(url, sql).stdout.split(separator: "\n")
        #expect(lines.first == "id  name  ts                      tags        ok")
        #expect(lines.last == "(2 rows)")
    }

    @Test(arguments: [
        "INSERT INTO %t (id) VALUES (3)",
        "UPDATE %t SET name = 'b'",
        "DELETE FROM %t",
        "WITH gone AS (DELETE FROM %t RETURNING *) SELECT * FROM gone",
        "TRUNCATE %t",
        "DROP TABLE %t",
        "CREATE TABLE %t_other (x int)",
        "CREATE TEMP TABLE scratch (x int)",
        "ALTER TABLE %t ADD COLUMN y int",
        "SELECT * FROM %t FOR UPDATE",
        "SELECT nextval('%t_seq')",
        "SELECT 1; DELETE FROM %t",
        "COPY %t FROM STDIN",
    ])
    func refusesEveryWriteWithExitCode1(statement: String) throws {
        let url = try createTable()
        let before = try query(url, "--format", "csv", "SELECT * FROM \(table) ORDER BY id")
        let result = try query(url, statement.replacing("%t", with: table))
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("error: "), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        let after = try query(url, "--format", "csv", "SELECT * FROM \(table) ORDER BY id")
        #expect(after.stdout == before.stdout)
        #expect(before.stdout.split(separator: "\n").count == 3)
        let columns = try query(
            url, "--format", "csv", "SELECT count(*) FROM information_schema.columns WHERE table_name = '\(table)'")
        #expect(columns.stdout == "count\n5\n")
    }

    @Test func namesTheRefusedCommand() throws {
        let url = try createTable()
        let result = try query(url, "DELETE FROM \(table)")
        #expect(result.stderr == "error: queries are read-only: the database connection refused DELETE\n")
    }

    @Test func cutsRowsAtTheLimitAndInterruptsAQueryPastItsTimeout() throws {
        let url = try TestPostgres.requireURL()
        let limited = try query(url, "--limit", "2", "SELECT * FROM generate_series(1, 100000) AS n")
        #expect(limited.status == 0, "\(limited.stderr)")
        #expect(limited.stdout == "n\n-\n1\n2\n(2 rows; the query returned more, cut by the row limit)\n")
        let slow = try query(url, "--timeout", "200ms", "SELECT pg_sleep(30)")
        #expect(slow.status == 1)
        #expect(slow.stderr == "error: the query was interrupted after its timeout of 0.2s\n")
    }

    @Test func badSQLAndUnreachableServersExitWith1WithoutThePassword() throws {
        let url = try TestPostgres.requireURL()
        let syntax = try query(url, "SELEC 1")
        #expect(syntax.status == 1)
        #expect(syntax.stderr == "error: syntax error at or near \"SELEC\"\n")
        let missing = try query(url, "SELECT * FROM nowhere_\(table)")
        #expect(missing.stderr == "error: relation \"nowhere_\(table)\" does not exist\n")
        // Port 1 on 127.0.0.1: nothing listens there.
        let unreachable = try query("postgres://reader:s3cret@127.0.0.1:1/db", "SELECT 1")
        #expect(unreachable.status == 1)
        #expect(unreachable.stderr.hasPrefix("error: cannot open database 'postgres://reader@127.0.0.1:1/db': "))
        #expect(!unreachable.stderr.contains("s3cret"))
    }

    @Test func badUsageExitsWith2() throws {
        for arguments in [["query", "--db", "x.db", "--url", "postgres://h/db", "SELECT 1"], ["query", "SELECT 1"]] {
            let result = try RunnerProcess.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }
}
