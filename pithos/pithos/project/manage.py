from snf_common.django.manage import run


def main() -> None:
    run("pithos.project.settings")


if __name__ == "__main__":
    main()
