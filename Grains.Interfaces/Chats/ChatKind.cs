namespace ChatOrleans;

[GenerateSerializer, Alias("ChatOrleans.ChatKind")]
public enum ChatKind
{
    Direct = 0,
    Group = 1,
}
