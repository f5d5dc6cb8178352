import PostgresNIO
import SQLiteNIO

/// Whether a store error is a constraint the data already holds (a unique id or email taken,
/// a row that another request inserted first): the caller's request conflicts with the state,
/// which is a 409, never a 500.
public enum StoreConflict {
    public static func matches(_ error: any Error) -> Bool {
        if let error = error as? SQLiteError {
            switch error.reason {
            case .constraint, .constraintUniqueFailed, .constraintPrimaryKeyFailed, .constraintForeignKeyFailed, .constraintNotNullFailed,
                .constraintCheckFailed:
                return true
            default: return false
            }
        }
        if let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] {
            // Class 23: integrity constraint violation (unique, foreign key, not null, check).
            return state.hasPrefix("23")
        }
        return false
    }
}
