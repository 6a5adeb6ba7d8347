namespace SimVae.Distributed;

/// <summary>
/// The store's wire format: a request is an operation byte, the key (length-prefixed UTF-8) and its argument (Set: the
/// value as an Int32 length and bytes; Get: the wait in milliseconds, Int64; Add: the delta, Int64; Contains: none); a
/// reply is a status byte (0 ok, 1 error followed by the message) and the result (Get: length and bytes; Add: Int64;
/// Contains: a Boolean).
/// </summary>
internal enum StoreOp : byte
{
    Set = 1,
    Get = 2,
    Add = 3,
    Contains = 4,
}
